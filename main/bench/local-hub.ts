// A local stand-in for the Hugging Face Hub: a real node:http server on 127.0.0.1 that answers the
// routes `@huggingface/hub` and main/hub/download.ts call, serving repos from folders on disk. It
// lives in main/bench (not tests/) because the hub-download bench figure measures against it; the
// tests reach it through tests/helpers/hub-server.ts.
//
// Two servers, two origins, as on the Hub: the Hub itself (API, resolve) and the "CDN" that LFS
// files are redirected to. Being another origin (its own port) is what lets a test see that the
// token never follows a redirect there.
//
// Routes live in route files (local-hub-model-routes.ts here; tests add theirs, e.g. search and
// dataset routes) passed to startLocalHub: each is tried in turn until one answers. Knobs for the
// failure tests: cut a file's next response after N bytes, corrupt a byte, never answer at all,
// and a log of every request (to prove that offline and cached lookups make none).
import { createHash } from 'node:crypto'
import { createReadStream, readdirSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

export type HubRepoKind = 'model' | 'dataset'

export interface LocalHubFile {
  /** Path inside the repo, with forward slashes. */
  path: string
  /** Where its bytes are on disk (streamed, never held: the bench serves files of hundreds of MB). */
  diskPath: string
  size: number
  /** Git blob id (sha1 of "blob <size>\0" + bytes): the ETag of a file stored in git. */
  gitOid: string
  /** sha256 of the bytes: the LFS oid, the ETag (X-Linked-Etag) of an LFS file. */
  sha256: string
  lfs: boolean
}

export interface LocalHubRepo {
  kind: HubRepoKind
  /** ORG/NAME */
  id: string
  /** 40 hex digits: the commit every revision name of this repo resolves to. */
  commit: string
  /** Revision names that resolve to the commit (besides the commit itself). Default ['main']. */
  revisions: string[]
  files: LocalHubFile[]
  /** Gated repos answer resolve with 401 (no token) or 403 (a token not in acceptedTokens). */
  gated: false | 'auto' | 'manual'
  acceptedTokens: string[]
  /** Extra fields of the repo's info answer (config, tags, cardData, downloads, safetensors...). */
  info: Record<string, unknown>
}

export interface AddRepoOptions {
  kind?: HubRepoKind
  id: string
  /** A folder whose files (recursively) are the repo's files. */
  dir: string
  revisions?: string[]
  gated?: false | 'auto' | 'manual'
  acceptedTokens?: string[]
  info?: Record<string, unknown>
  /** Which files are stored in LFS (default: weights, data files and anything over 1 MB, as .gitattributes usually says). */
  isLfs?: (path: string, size: number) => boolean
}

export interface LoggedRequest {
  /** 'hub' for the Hub's origin, 'cdn' for the LFS origin. */
  origin: 'hub' | 'cdn'
  method: string
  /** Path and query. */
  url: string
  headers: IncomingMessage['headers']
}

export interface HubRequest {
  method: string
  url: URL
  /** The Bearer token sent, if any. */
  token: string | null
  /** The request body as text (paths-info posts a form). */
  body: string
  request: IncomingMessage
}

/** Answers a request and returns true, or returns false to let the next route try. */
export type HubRoute = (request: HubRequest, response: ServerResponse, hub: LocalHub) => boolean | Promise<boolean>

export interface LocalHub {
  /** The endpoint to give the client (HF_ENDPOINT): http://127.0.0.1:PORT, no trailing slash. */
  readonly url: string
  /** The LFS origin's base URL. */
  readonly cdnUrl: string
  readonly requests: LoggedRequest[]
  /** Tokens the Hub knows (any other token is answered 401 on a gated or private resource). */
  readonly validTokens: Set<string>
  addRepo(options: AddRepoOptions): Promise<LocalHubRepo>
  repo(kind: HubRepoKind, id: string): LocalHubRepo | undefined
  /** The next response carrying this file's bytes stops after `bytes` bytes and the socket is destroyed. */
  cutAfter(repoId: string, path: string, bytes: number): void
  /** The next response carrying this file's bytes sends `bytes` bytes, then nothing more, never ending (a stalled transfer). */
  stallAfter(repoId: string, path: string, bytes: number): void
  /** Serve this file at about `bytesPerSecond` from now on (a download slow enough to watch). */
  pace(repoId: string, path: string, bytesPerSecond: number): void
  /** Serve this file with the byte at `offset` changed, until repair(). */
  corrupt(repoId: string, path: string, offset: number): void
  repair(repoId: string, path: string): void
  /** While true, requests are accepted and never answered (a server that hangs). */
  hang: boolean
  /** Streams a file's bytes from `start` to `end` inclusive, applying the knobs. */
  sendFileBytes(response: ServerResponse, repo: LocalHubRepo, file: LocalHubFile, start: number, end: number): Promise<void>
  close(): Promise<void>
}

const DEFAULT_LFS = /\.(safetensors|bin|pt|pth|ckpt|onnx|gguf|h5|msgpack|parquet|arrow|zip|gz)$/i

export async function startLocalHub(routes: HubRoute[]): Promise<LocalHub> {
  const repos = new Map<string, LocalHubRepo>()
  const cuts = new Map<string, { bytes: number; stall: boolean }>()
  const corruptions = new Map<string, number>()
  const paces = new Map<string, number>()
  const requests: LoggedRequest[] = []
  const hanging = new Set<ServerResponse>()
  const knobKey = (repoId: string, path: string) => `${repoId}\n${path}`

  const hub: LocalHub = {
    url: '',
    cdnUrl: '',
    requests,
    validTokens: new Set(),
    hang: false,
    async addRepo(options) {
      const kind = options.kind ?? 'model'
      const files = await Promise.all(listFolder(options.dir).map((diskPath) => describeFile(options.dir, diskPath, options.isLfs)))
      files.sort((a, b) => a.path.localeCompare(b.path))
      const commit = createHash('sha1').update(`${kind}/${options.id}\n${files.map((f) => `${f.path} ${f.gitOid}`).join('\n')}`).digest('hex')
      const repo: LocalHubRepo = {
        kind,
        id: options.id,
        commit,
        revisions: options.revisions ?? ['main'],
        files,
        gated: options.gated ?? false,
        acceptedTokens: options.acceptedTokens ?? [],
        info: options.info ?? {},
      }
      repos.set(`${kind}:${options.id}`, repo)
      return repo
    },
    repo: (kind, id) => repos.get(`${kind}:${id}`),
    cutAfter: (repoId, path, bytes) => void cuts.set(knobKey(repoId, path), { bytes, stall: false }),
    stallAfter: (repoId, path, bytes) => void cuts.set(knobKey(repoId, path), { bytes, stall: true }),
    pace: (repoId, path, bytesPerSecond) => void paces.set(knobKey(repoId, path), bytesPerSecond),
    corrupt: (repoId, path, offset) => void corruptions.set(knobKey(repoId, path), offset),
    repair: (repoId, path) => void corruptions.delete(knobKey(repoId, path)),
    async sendFileBytes(response, repo, file, start, end) {
      const key = knobKey(repo.id, file.path)
      const cut = cuts.get(key)
      cuts.delete(key)
      const corruptAt = corruptions.get(key)
      const pace = paces.get(key)
      let position = start
      let sent = 0
      const knobs = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          let out = chunk
          if (corruptAt !== undefined && corruptAt >= position && corruptAt < position + chunk.length) {
            out = Buffer.from(chunk)
            out[corruptAt - position] ^= 0xff
          }
          position += chunk.length
          if (cut !== undefined && sent + out.length >= cut.bytes) {
            const head = out.subarray(0, cut.bytes - sent)
            sent = cut.bytes
            if (cut.stall) {
              // Send what was promised, then nothing: the response stays open until close().
              hanging.add(response)
              response.write(head)
              return
            }
            // Flush what was promised, then drop the connection mid-body, as a network failure does.
            response.write(head, () => response.socket?.destroy())
            done(new Error('cut by the test'))
            return
          }
          sent += out.length
          if (pace === undefined) done(null, out)
          else setTimeout(() => done(null, out), (1000 * out.length) / pace)
        },
      })
      if (end < start) {
        response.end()
        return
      }
      try {
        // Paced files go in small chunks, so progress is reported along the way, not in one jump.
        await pipeline(createReadStream(file.diskPath, { start, end, ...(pace === undefined ? {} : { highWaterMark: 8192 }) }), knobs, response)
      } catch {
        // the cut above, or the client hung up: either way this response is over
      }
    },
    async close() {
      for (const response of hanging) response.socket?.destroy()
      await Promise.all([closeServer(hubServer), closeServer(cdnServer)])
    },
  }

  const handle = (origin: 'hub' | 'cdn') => async (request: IncomingMessage, response: ServerResponse) => {
    requests.push({ origin, method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers })
    if (hub.hang) {
      hanging.add(response)
      return
    }
    const body = await readBody(request)
    const auth = request.headers.authorization
    const hubRequest: HubRequest = {
      method: request.method ?? 'GET',
      url: new URL(request.url ?? '/', origin === 'hub' ? hub.url : hub.cdnUrl),
      token: auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null,
      body,
      request,
    }
    try {
      const originRoutes = origin === 'cdn' ? [cdnRoute] : routes
      for (const route of originRoutes) if (await route(hubRequest, response, hub)) return
      sendJson(response, 404, { error: `No route for ${hubRequest.method} ${hubRequest.url.pathname}` })
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: (error as Error).message })
      else response.destroy()
    }
  }

  const hubServer = createServer(handle('hub'))
  const cdnServer = createServer(handle('cdn'))
  const cdnRoute: HubRoute = async (req, response) => {
    // /lfs/<kind>/<ORG>/<NAME>/<sha256>: the LFS origin serves blobs by content, with Range.
    const match = /^\/lfs\/(model|dataset)\/([^/]+\/[^/]+)\/([0-9a-f]{64})$/.exec(req.url.pathname)
    const repo = match ? hub.repo(match[1] as HubRepoKind, match[2]) : undefined
    const file = repo?.files.find((f) => f.sha256 === match?.[3])
    if (!repo || !file) return false
    await sendFile(req, response, hub, repo, file, { ETag: `"${file.sha256}"` })
    return true
  }
  await Promise.all([listen(hubServer), listen(cdnServer)])
  Object.assign(hub, {
    url: `http://127.0.0.1:${(hubServer.address() as AddressInfo).port}`,
    cdnUrl: `http://127.0.0.1:${(cdnServer.address() as AddressInfo).port}`,
  })
  return hub
}

/**
 * Answers GET/HEAD of a file's bytes as the Hub does: Accept-Ranges, Content-Length, a Range
 * request with 206 and Content-Range (416 past the end), `extraHeaders` (ETag, X-Repo-Commit...).
 */
export async function sendFile(req: HubRequest, response: ServerResponse, hub: LocalHub, repo: LocalHubRepo, file: LocalHubFile, extraHeaders: Record<string, string>): Promise<void> {
  const range = parseRange(req.request.headers.range, file.size)
  const headers: Record<string, string | number> = { ...extraHeaders, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' }
  if (range === 'unsatisfiable') {
    response.writeHead(416, { ...headers, 'Content-Range': `bytes */${file.size}` }).end()
    return
  }
  const [start, end] = range ?? [0, file.size - 1]
  headers['Content-Length'] = Math.max(0, end - start + 1)
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`
  response.writeHead(range ? 206 : 200, headers)
  if (req.method === 'HEAD') {
    response.end()
    return
  }
  await hub.sendFileBytes(response, repo, file, start, end)
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers })
  response.end(text)
}

function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  if (!match) return null
  if (match[1] === '') {
    const suffix = Number(match[2])
    return [Math.max(0, size - suffix), size - 1]
  }
  const start = Number(match[1])
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (start >= size && size > 0) return 'unsatisfiable'
  return [start, end]
}

function listFolder(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFolder(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

async function describeFile(root: string, diskPath: string, isLfs?: (path: string, size: number) => boolean): Promise<LocalHubFile> {
  const size = statSync(diskPath).size
  const path = relative(root, diskPath).split(sep).join('/')
  const git = createHash('sha1').update(`blob ${size}\0`)
  const sha = createHash('sha256')
  for await (const chunk of createReadStream(diskPath)) {
    git.update(chunk as Buffer)
    sha.update(chunk as Buffer)
  }
  const lfs = isLfs ? isLfs(path, size) : DEFAULT_LFS.test(path) || size > 1024 * 1024
  return { path, diskPath, size, gitOid: git.digest('hex'), sha256: sha.digest('hex'), lfs }
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  return text
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
