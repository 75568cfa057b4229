import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { join } from 'node:path'
import WebSocket from 'ws'
import { ApiError, JobEvent, SystemInfo } from '../../../main/contract'
import { createServices, type Services } from '../../../main/services'
import { startServer, type RunningServer } from '../../../main/server'
import { contentSecurityPolicy, webModeConnectSources } from '../../../main/server/content-security-policy'
import { makeTempDir } from '../../helpers/temp-dir'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

let temp: ReturnType<typeof makeTempDir>
let services: Services
let server: RunningServer
let rendererDir: string

function send(options: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { Host: `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

const bearer = () => ({ Authorization: `Bearer ${server.token}` })
const json = { 'Content-Type': 'application/json' }
const call = (name: string, input: unknown, headers: Record<string, string> = bearer()) =>
  send({ method: 'POST', path: `/api/${name}`, headers: { ...json, ...headers }, body: JSON.stringify(input) })

beforeAll(async () => {
  temp = makeTempDir()
  rendererDir = join(temp.dir, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mixture Studio</title><div id="app"></div>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
  writeFileSync(join(temp.dir, 'secret.txt'), 'outside the renderer folder')
  mkdirSync(join(temp.dir, 'elsewhere'))
  writeFileSync(join(temp.dir, 'elsewhere', 'notes.txt'), 'also outside the renderer folder')
  // Links that lead out of the renderer folder, to a file and to a folder, and one that stays in.
  symlinkSync(join(temp.dir, 'secret.txt'), join(rendererDir, 'assets', 'leak.txt'))
  symlinkSync(join(temp.dir, 'elsewhere'), join(rendererDir, 'linked-folder'))
  symlinkSync('app.js', join(rendererDir, 'assets', 'alias.js'))
  services = createServices({ dataDir: join(temp.dir, 'data') })
  server = await startServer({ services, rendererDir })
})
afterAll(async () => {
  await server.close()
  await services.close()
  temp.remove()
})

describe('web mode server', () => {
  it('listens on loopback with a random port and a 32-byte token in the URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32)
  })

  it('answers 401 without the token, for calls and for files', async () => {
    const noToken = await call('systemInfo', {}, {})
    expect(noToken.status).toBe(401)
    expect(ApiError.parse(JSON.parse(noToken.body)).code).toBe('unauthorized')
    expect((await call('systemInfo', {}, { Authorization: 'Bearer wrong' })).status).toBe(401)
    expect((await send({ path: '/assets/app.js' })).status).toBe(401)
    expect((await send({ path: '/' })).status).toBe(401)
    expect((await send({ path: '/?token=wrong' })).status).toBe(401)
  })

  it('answers 403 to a foreign Host or Origin even with the token (DNS rebinding)', async () => {
    const rebinding = await call('systemInfo', {}, { ...bearer(), Host: `evil.example:${server.port}` })
    expect(rebinding.status).toBe(403)
    expect(JSON.parse(rebinding.body).code).toBe('forbidden')
    expect((await call('systemInfo', {}, { ...bearer(), Host: '127.0.0.1:1' })).status).toBe(403)
    expect((await call('systemInfo', {}, { ...bearer(), Origin: 'http://evil.example' })).status).toBe(403)
    expect((await send({ path: `/?token=${server.token}`, headers: { Host: `evil.example:${server.port}` } })).status).toBe(403)
    const sameOrigin = await call('systemInfo', {}, { ...bearer(), Origin: `http://localhost:${server.port}`, Host: `localhost:${server.port}` })
    expect(sameOrigin.status).toBe(200)
  })

  it('opens with ?token=, setting a strict HttpOnly cookie that authorises later requests', async () => {
    const entry = await send({ path: `/?token=${server.token}` })
    expect(entry.status).toBe(200)
    expect(entry.body).toContain('<div id="app">')
    const csp = String(entry.headers['content-security-policy'])
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toContain('unsafe-eval')
    const setCookie = String(entry.headers['set-cookie'])
    expect(setCookie).toMatch(/HttpOnly/)
    expect(setCookie).toMatch(/SameSite=Strict/)
    const cookie = setCookie.split(';')[0]

    const withCookie = await call('systemInfo', {}, { Cookie: cookie })
    expect(withCookie.status).toBe(200)
    const asset = await send({ path: '/assets/app.js', headers: { Cookie: cookie } })
    expect(asset.status).toBe(200)
    expect(asset.headers['content-type']).toContain('text/javascript')
    const route = await send({ path: '/runs/some-run', headers: { Cookie: cookie } })
    expect(route.body).toContain('<div id="app">')
    const escape = await send({ path: '/../secret.txt', headers: { Cookie: cookie } })
    expect(escape.body).not.toContain('outside the renderer')
    const escapeEncoded = await send({ path: '/%2e%2e/secret.txt', headers: { Cookie: cookie } })
    expect(escapeEncoded.status).toBe(404)
  })

  it('does not follow symbolic links out of the renderer folder', async () => {
    const leak = await send({ path: '/assets/leak.txt', headers: bearer() })
    expect(leak.status).toBe(404)
    expect(leak.body).not.toContain('outside the renderer')
    const throughFolder = await send({ path: '/linked-folder/notes.txt', headers: bearer() })
    expect(throughFolder.status).toBe(404)
    expect(throughFolder.body).not.toContain('outside the renderer')
    const inside = await send({ path: '/assets/alias.js', headers: bearer() })
    expect(inside.status).toBe(200)
    expect(inside.body).toBe('console.log("app")')
  })

  it('sends the one shared Content-Security-Policy with its HTML', async () => {
    const expected = contentSecurityPolicy(webModeConnectSources(server.port))
    expect((await send({ path: '/', headers: bearer() })).headers['content-security-policy']).toBe(expected)
    expect((await send({ path: '/missing.txt', headers: bearer() })).headers['content-security-policy']).toBe(expected)
    expect(expected).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} ws://localhost:${server.port}`)
  })

  it('answers 413 with the API error to a body over 1 MiB, declared or streamed, instead of resetting the connection', async () => {
    const tooLarge = JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) })
    const headers = { ...json, ...bearer() }
    const declared = await send({ method: 'POST', path: '/api/systemInfo', headers, body: tooLarge })
    const streamed = await send({ method: 'POST', path: '/api/systemInfo', headers: { ...headers, 'Transfer-Encoding': 'chunked' }, body: tooLarge })
    for (const reply of [declared, streamed]) {
      expect(reply.status).toBe(413)
      expect(reply.headers.connection).toBe('close')
      const error = ApiError.parse(JSON.parse(reply.body))
      expect(error.code).toBe('invalid_input')
      expect(error.message).toContain('larger than 1048576 bytes')
    }
    expect((await call('systemInfo', {})).status).toBe(200)
  })

  it('answers systemInfo with the contract output', async () => {
    const reply = await call('systemInfo', {})
    expect(reply.status).toBe(200)
    expect(reply.headers['content-type']).toContain('application/json')
    expect(SystemInfo.parse(JSON.parse(reply.body)).providers.some((p) => p.name === 'cpu' && p.available)).toBe(true)
  })

  it('answers 400 to bad JSON and to input failing the schema, and changes nothing', async () => {
    const badJson = await send({ method: 'POST', path: '/api/jobsStart', headers: { ...json, ...bearer() }, body: '{"kind": ' })
    expect(badJson.status).toBe(400)
    expect(ApiError.parse(JSON.parse(badJson.body))).toMatchObject({ code: 'invalid_input' })

    const badInput = await call('jobsStart', { kind: 'format-disk' })
    expect(badInput.status).toBe(400)
    const error = ApiError.parse(JSON.parse(badInput.body))
    expect(error.code).toBe('invalid_input')
    expect(error.issues?.map((issue) => issue.path)).toEqual(['kind'])

    const notJson = await send({ method: 'POST', path: '/api/jobsStart', headers: { ...bearer(), 'Content-Type': 'text/plain' }, body: '{"kind":"system-probe"}' })
    expect(notJson.status).toBe(415)

    const jobs = await call('jobsList', {})
    expect(JSON.parse(jobs.body)).toEqual([])
  })

  it('answers 404 to an unknown call and 405 to a GET on a call', async () => {
    const unknown = await call('dropAllTables', {})
    expect(unknown.status).toBe(404)
    expect(JSON.parse(unknown.body).code).toBe('not_found')
    expect((await send({ path: '/api/systemInfo', headers: bearer() })).status).toBe(405)
  })

  it('refuses event sockets without the token or from a foreign origin', async () => {
    const refused = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, { headers })
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
        ws.on('open', () => resolve(101))
        ws.on('error', () => {})
      })
    expect(await refused({})).toBe(401)
    expect(await refused({ ...bearer(), Origin: 'http://evil.example' })).toBe(403)
  })

  it('pushes the events of a real probe job over the WebSocket', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, {
      headers: bearer(),
      origin: `http://127.0.0.1:${server.port}`,
    })
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const received: JobEvent[] = []
    const ended = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { event: string; payload: unknown }
        expect(message.event).toBe('onJobEvent')
        const event = JobEvent.parse(message.payload)
        received.push(event)
        if (event.type === 'ended') resolve()
      })
    })

    const start = await call('jobsStart', { kind: 'system-probe' })
    expect(start.status).toBe(200)
    const jobId = JSON.parse(start.body).id as string
    await ended
    ws.close()

    const types = received.filter((e) => e.jobId === jobId).map((e) => e.type)
    expect(types[0]).toBe('started')
    expect(types).toContain('result')
    expect(received.at(-1)).toMatchObject({ type: 'ended', jobId, state: 'completed' })
  })
})

describe('web mode without a built renderer', () => {
  it('serves a page that says to run npm run build', async () => {
    const bare = await startServer({ services, rendererDir: join(temp.dir, 'not-built') })
    try {
      const reply = await new Promise<Reply>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port: bare.port, path: `/?token=${bare.token}` }, (res) => {
          let body = ''
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        })
          .on('error', reject)
          .end()
      })
      expect(reply.status).toBe(503)
      expect(reply.body).toContain('npm run build')
      expect(reply.body).toContain('not-built')
    } finally {
      await bare.close()
    }
  })
})
