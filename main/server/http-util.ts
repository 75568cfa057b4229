import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ApiError } from '../contract'

/** Sent on every response: no sniffing, no framing, no referrer (the URL holds the token). */
export const baseSecurityHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

export const statusForCode: Record<ApiError['code'], number> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, jsonHeaders(text))
  response.end(text)
}

function jsonHeaders(text: string): Record<string, string | number> {
  return {
    ...baseSecurityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  }
}

export function sendApiError(response: ServerResponse, error: ApiError, status = statusForCode[error.code]): void {
  sendJson(response, status, error)
}

export class BodyTooLargeError extends Error {}

/**
 * Reads the whole body as text, refusing more than `limitBytes`: at once when Content-Length
 * says so, otherwise as soon as the stream passes the limit. A refused body is left unread;
 * answer with `refuseUnreadBody`, which reads the rest so the client gets that answer.
 */
export function readBody(request: IncomingMessage, limitBytes: number): Promise<string> {
  const tooLarge = () => new BodyTooLargeError(`The request body is larger than ${limitBytes} bytes; send less per call.`)
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length'] ?? 0) > limitBytes) {
      reject(tooLarge())
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const collect = (chunk: Buffer) => {
      size += chunk.length
      if (size > limitBytes) {
        request.off('data', collect)
        request.pause()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    request.on('data', collect)
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

/** How much of a refused body is read and thrown away before the connection is cut. */
export interface DrainLimits {
  maxBytes: number
  maxMs: number
}

const defaultDrainLimits: DrainLimits = { maxBytes: 16 * 1024 * 1024, maxMs: 10_000 }

/**
 * Answers `error` to a request whose body was not read, then reads and discards what the
 * client is still sending, and only then closes the connection. Destroying the request
 * instead closes a socket with unread bytes in it: the kernel answers with a reset, and the
 * client sees "connection reset" rather than this answer. A client that sends more than
 * `limits` allow is cut off; by then it has the answer.
 */
export function refuseUnreadBody(
  request: IncomingMessage,
  response: ServerResponse,
  error: ApiError,
  status: number,
  limits: DrainLimits = defaultDrainLimits,
): void {
  const text = JSON.stringify(error)
  response.writeHead(status, { ...jsonHeaders(text), Connection: 'close' })
  // The whole answer goes out now (Content-Length says where it ends). Ending the response
  // waits for the body, because Node closes a `Connection: close` socket once the response ends.
  response.write(text)

  let drained = 0
  const stop = () => {
    clearTimeout(timer)
    request.off('data', discard)
    request.off('end', finish)
  }
  const finish = () => {
    stop()
    response.end()
  }
  const cutOff = () => {
    stop()
    response.destroy()
  }
  const discard = (chunk: Buffer) => {
    drained += chunk.length
    if (drained > limits.maxBytes) cutOff()
  }
  const timer = setTimeout(cutOff, limits.maxMs)
  if (request.readableEnded) return finish()
  request.on('data', discard)
  request.once('end', finish)
  request.resume()
}
