/*
 * Web mode: the contract over HTTP and WebSocket, for browsers on this machine only.
 *
 *   Start        `mixture-studio serve` prints http://127.0.0.1:PORT/?token=T. Opening it sets
 *                the HttpOnly, SameSite=Strict cookie `mixture_studio_PORT` and serves the app.
 *   Auth         every other request needs that cookie or `Authorization: Bearer T`  -> else 401.
 *                `Host` must be 127.0.0.1:PORT or localhost:PORT, and `Origin`, when sent,
 *                http:// plus one of those                                          -> else 403.
 *   Calls        POST /api/<callName>, `Content-Type: application/json`, body = the call's input
 *                (an empty body counts as {}).
 *                  200  the output JSON, exactly the contract's output type.
 *                  4xx/5xx  an ApiError JSON {code, message, issues?}:
 *                       400 invalid_input (bad JSON, or input failing the schema; issues name
 *                           each field as a dotted path), 404 not_found (no such call, or the
 *                           call's target is missing), 405 not POST, 409 conflict,
 *                           413 body over 1 MiB (with Connection: close), 415 not JSON,
 *                           500 internal.
 *                A rejected request changes nothing: input is validated before any handler runs.
 *   Events       WebSocket ws://HOST/api/events (same auth); each message is
 *                {"event": "<eventName>", "payload": <contract payload>}, e.g. onJobEvent.
 *   Static       everything else under GET is the built renderer (out/renderer); paths without
 *                an extension get index.html; no symbolic link leads out of that folder. HTML
 *                carries the strict Content-Security-Policy of ./content-security-policy.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { Services } from '../services'
import { isAuthorized, newToken, originProblem, sessionCookie, tokensEqual } from './auth'
import { handleApiCall } from './api-route'
import { eventsSocket } from './events-socket'
import { sendApiError } from './http-util'
import { page, sendHtml, staticFiles } from './static-files'

export interface ServerOptions {
  services: Services
  /** 0 (the default) picks a free port. */
  port?: number
  /** Where the built renderer is; defaults to out/renderer of this checkout. */
  rendererDir?: string
  /** For tests; otherwise a fresh random one. */
  token?: string
}

export interface RunningServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

export const defaultRendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url))
const HOST = '127.0.0.1'

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken()
  const rendererDir = options.rendererDir ?? defaultRendererDir
  const events = eventsSocket(options.services)
  let port = 0
  let files = staticFiles(rendererDir, port)

  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendApiError(response, { code: 'internal', message: String(error) })
      else response.destroy()
    })
  })

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const problem = originProblem(request, port)
    if (problem) return sendApiError(response, { code: 'forbidden', message: `${problem}.` })
    const url = new URL(request.url ?? '/', `http://${HOST}:${port}`)

    const isEntry = request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')
    if (isEntry && url.searchParams.has('token')) {
      if (!tokensEqual(url.searchParams.get('token'), token)) {
        return sendHtml(response, 401, page('Wrong token', 'Open the address printed by <code>mixture-studio serve</code>.'), port)
      }
      return files.serve('/index.html', response, { 'Set-Cookie': sessionCookie(port, token) })
    }

    if (!isAuthorized(request, port, token)) {
      if (url.pathname.startsWith('/api/')) {
        return sendApiError(response, { code: 'unauthorized', message: 'Missing or wrong token.' })
      }
      return sendHtml(response, 401, page('Token required', 'Open the address printed by <code>mixture-studio serve</code> (it ends in <code>?token=…</code>).'), port)
    }

    if (url.pathname.startsWith('/api/')) {
      return handleApiCall(options.services, url.pathname.slice('/api/'.length), request, response)
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD')
      return sendApiError(response, { code: 'invalid_input', message: `${request.method} is not allowed here.` }, 405)
    }
    files.serve(url.pathname, response)
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (originProblem(request, port)) return refuse('403 Forbidden')
    if (!isAuthorized(request, port, token)) return refuse('401 Unauthorized')
    const path = new URL(request.url ?? '/', `http://${HOST}`).pathname
    if (path !== '/api/events') return refuse('404 Not Found')
    events.accept(request, socket, head)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  files = staticFiles(rendererDir, port)

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        events.close()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
