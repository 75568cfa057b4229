// Fetches a repo's files into the Hugging Face cache, resumably and verified, streamed (memory stays
// flat whatever the file's size). Each file:
//   1. already in blobs/<etag>: nothing to fetch (another revision or an earlier run got it);
//   2. else into blobs/<etag>.incomplete, continued with an HTTP Range from the size it has;
//   3. hashed while it streams (the part already on disk first): sha256 against the LFS oid, or the
//      git blob id for a file kept in git, and its size against the Hub's; a mismatch refuses the
//      file ('integrity') and keeps the part (the next run checks it again, and fetches it afresh
//      when it is whole but wrong);
//   4. renamed into blobs/, then linked into snapshots/<commit>/<path>.
// refs/<revision> is written last, once every file is there. Free space is checked before anything
// is fetched. The token goes to the Hub's origin only: a redirect elsewhere (the LFS CDN) is
// followed without it, as huggingface_hub does. Every wait has a timeout (no connection or no
// answer is a 'network' error within seconds, never a hang).
import { createHash, type Hash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { statfs as fsStatfs } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { formatBytes } from '../contract/format-bytes'
import { isProcessAlive } from '../store/process-liveness'
import { IdleWatchdog } from '../runtime/idle-watchdog'
import { blobPath, linkIntoSnapshot, repoFolderName, snapshotDir, writeRef, type HubRepoKind } from './hub-cache'
import { HubError, httpHubError } from './hub-error'
import { redactToken } from './token-store'

export { HubError, isHubError, type HubErrorKind } from './hub-error'

/** One file to fetch, as the Hub's tree lists it. */
export interface HubFileToFetch {
  /** Path in the repo. */
  path: string
  size: number
  /** The blob's name in the cache: the LFS sha256, else the git blob id. */
  etag: string
  /** The LFS sha256 (null for a file kept in git, which its git blob id verifies). */
  sha256: string | null
}

export interface DownloadProgress {
  /** The file being fetched now. */
  file: string
  /** Bytes of the whole download so far, what was already there included. */
  bytes: number
  totalBytes: number
  bytesPerSecond: number
  /** null until a rate is known. */
  etaSeconds: number | null
}

export type StatfsFunction = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>

export interface DownloadRepoFilesOptions {
  kind: HubRepoKind
  repo: string
  /** The revision asked for (a branch, tag or commit): refs/<revision> records its commit. */
  revision: string
  /** The commit the files were listed at; the files are fetched at it (a branch may move meanwhile). */
  commit: string
  files: readonly HubFileToFetch[]
  cacheDir: string
  endpoint: string
  token?: string | null
  signal?: AbortSignal
  onProgress?: (progress: DownloadProgress) => void
  /** How long to wait for a connection, an answer, or the next bytes (default 10 s). */
  timeoutMs?: number
  /** fs.statfs (injected by tests). */
  statfs?: StatfsFunction
}

export interface DownloadedRepo {
  commit: string
  /** snapshots/<commit>: the folder to register or import from. */
  folder: string
  files: Array<{ path: string; localPath: string }>
}

export const DEFAULT_TIMEOUT_MS = 10_000
const PROGRESS_INTERVAL_MS = 250
/** Kept free beyond the download itself, so the disk is not left full. */
const DISK_MARGIN_BYTES = 100 * 1024 * 1024

/** The files a `listFiles` (tree) answer describes, ready for downloadRepoFiles. */
export function filesFromTree(entries: ReadonlyArray<{ path: string; size: number; oid?: string; lfs?: { oid: string; size: number } }>): HubFileToFetch[] {
  return entries.map((e) => {
    if (e.lfs) return { path: e.path, size: e.lfs.size, etag: e.lfs.oid, sha256: e.lfs.oid }
    if (!e.oid) throw new HubError('integrity', `The Hub listed ${e.path} without its id, so it cannot be verified.`)
    return { path: e.path, size: e.size, etag: e.oid, sha256: null }
  })
}

export async function downloadRepoFiles(options: DownloadRepoFilesOptions): Promise<DownloadedRepo> {
  const { kind, repo, commit, cacheDir, files } = options
  for (const file of files) checkRepoPath(file.path)
  const folder = snapshotDir(cacheDir, kind, repo, commit)
  const totalBytes = files.reduce((n, f) => n + f.size, 0)
  await checkDiskSpace(options, totalBytes)

  const started = Date.now()
  let bytes = 0
  let fetched = 0
  let lastReport = 0
  const report = (file: string, force: boolean) => {
    const now = Date.now()
    if (!options.onProgress || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return
    lastReport = now
    const seconds = (now - started) / 1000
    const bytesPerSecond = seconds > 0 ? fetched / seconds : 0
    options.onProgress({ file, bytes, totalBytes, bytesPerSecond, etaSeconds: bytesPerSecond > 0 ? (totalBytes - bytes) / bytesPerSecond : null })
  }

  const out: DownloadedRepo['files'] = []
  for (const file of files) {
    throwIfCancelled(options.signal)
    const blob = blobPath(cacheDir, kind, repo, file.etag)
    if (!(existsSync(blob) && statSync(blob).size === file.size)) {
      const unlock = lockBlob(cacheDir, kind, repo, file)
      try {
        await fetchBlob(options, file, blob, (n, isResumed) => {
          bytes += n
          if (!isResumed) fetched += n
          report(file.path, false)
        })
      } finally {
        unlock()
      }
    } else {
      bytes += file.size
    }
    const localPath = join(folder, ...file.path.split('/'))
    linkIntoSnapshot(blob, localPath)
    out.push({ path: file.path, localPath })
    report(file.path, true)
  }
  writeRef(cacheDir, kind, repo, options.revision, commit)
  return { commit, folder, files: out }
}

/**
 * Claims a blob for this process while it writes its part: two downloads appending to one part
 * (the app's and the CLI's, or two clicks) would interleave their bytes, and one could still be
 * writing after the other renamed the part into place. The lock is where huggingface_hub keeps its
 * own (<cache>/.locks/models--ORG--NAME/<etag>.lock) and holds the writer's pid: a lock whose
 * process is gone (killed mid-download) is taken over.
 */
function lockBlob(cacheDir: string, kind: HubRepoKind, repo: string, file: HubFileToFetch): () => void {
  const lock = join(cacheDir, '.locks', repoFolderName(kind, repo), `${file.etag}.lock`)
  mkdirSync(dirname(lock), { recursive: true })
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' })
      return () => rmSync(lock, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let pid = 0
    try {
      pid = Number(readFileSync(lock, 'utf8').trim())
    } catch {
      continue // removed meanwhile: try again
    }
    if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
      throw new HubError('busy', `${file.path} of ${repo} is being downloaded by another process (pid ${pid}); wait for it to finish, or stop it, then run the download again.`)
    }
    rmSync(lock, { force: true })
  }
  throw new HubError('busy', `Could not claim ${lock} for ${file.path}; run the download again.`)
}

/** Fetches one file into its blob: resumed, verified, renamed into place. */
async function fetchBlob(options: DownloadRepoFilesOptions, file: HubFileToFetch, blob: string, onBytes: (n: number, resumed: boolean) => void): Promise<void> {
  const part = `${blob}.incomplete`
  mkdirSync(dirname(blob), { recursive: true })
  let offset = existsSync(part) ? statSync(part).size : 0
  // A part as long as the file was refused before (its check failed) or is longer than it: fetch
  // it afresh. (A whole part that is right is taken as is, below, without a request.)
  if (offset > file.size) offset = 0
  const hash = new FileHash(file)
  if (offset > 0) {
    for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer)
  }
  if (offset === file.size && file.size > 0) {
    if (hash.hex() === expectedDigest(file)) {
      onBytes(offset, true)
      renameSync(part, blob)
      return
    }
    offset = 0
    hash.reset()
  }
  if (offset === 0) rmSync(part, { force: true })
  onBytes(offset, true)

  const url = resolveUrl(options, file.path)
  const watchdog = new Watchdog(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, options.signal)
  try {
    const response = await hubFetch(url, options, watchdog, offset > 0 ? { Range: `bytes=${offset}-` } : {})
    if (response.status === 200 && offset > 0) {
      // The server ignored the Range: take the whole file from the start.
      offset = 0
      hash.reset()
      rmSync(part, { force: true })
    } else if (response.status === 206) {
      const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')
      if (!start || Number(start[1]) !== offset) {
        throw new HubError('integrity', `${file.path}: asked for the bytes from ${offset} on, the server sent ${response.headers.get('content-range') ?? 'no Content-Range'}; try again.`)
      }
    } else if (response.status !== 200) {
      throw httpHubError({ status: response.status, errorCode: response.headers.get('x-error-code'), endpoint: options.endpoint, kind: options.kind, repo: options.repo, what: file.path, hadToken: !!options.token })
    }
    if (!response.body) throw new HubError('network', `${file.path}: the server sent no body; try again.`)
    let received = offset
    try {
      await appendBody(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), part, offset > 0, (chunk) => {
        watchdog.poke()
        hash.update(chunk)
        received += chunk.length
        onBytes(chunk.length, false)
      })
    } catch (error) {
      if (error instanceof HubError) throw error
      throw watchdog.reason() ?? new HubError('network', `The connection dropped after ${received} of ${file.size} bytes of ${file.path} (${describeCause(error)}); run the download again to continue from there.`)
    }
    if (received !== file.size) {
      throw new HubError('integrity', `${file.path}: received ${received} bytes, the Hub lists ${file.size}. The part is kept in ${part}; run the download again to retry.`)
    }
    const actual = hash.hex()
    if (actual !== expectedDigest(file)) {
      const what = file.sha256 ? `sha256 ${actual}, the Hub's is ${file.sha256}` : `git blob id ${actual}, the Hub's is ${file.etag}`
      throw new HubError('integrity', `${file.path} failed its integrity check (${what}): refused. The part is kept in ${part}; run the download again to fetch it anew.`)
    }
    renameSync(part, blob)
  } catch (error) {
    throw toHubError(error, watchdog, options)
  } finally {
    watchdog.stop()
  }
}

/**
 * Writes the body to the part file (appended, or from its start).
 * When the body fails midway (a cut connection, a timeout) everything received so far is still
 * flushed to the part before the error is thrown, so the next run resumes from there: a pipeline
 * would destroy the file stream and drop its pending writes.
 */
async function appendBody(body: Readable, part: string, append: boolean, onChunk: (chunk: Buffer) => void): Promise<void> {
  const writer = createWriteStream(part, { flags: append ? 'a' : 'w' })
  let writeError: Error | null = null
  writer.on('error', (error) => (writeError = error))
  let bodyError: unknown = null
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer
      onChunk(buffer)
      if (!writer.write(buffer)) await new Promise<void>((resolve) => (writeError ? resolve() : writer.once('drain', resolve).once('error', () => resolve())))
      if (writeError) break
    }
  } catch (error) {
    bodyError = error
  }
  await new Promise<void>((resolve) => (writeError ? resolve() : writer.end(() => resolve())))
  if (writeError) {
    const code = (writeError as NodeJS.ErrnoException).code
    throw new HubError(code === 'ENOSPC' || code === 'EDQUOT' ? 'disk-full' : 'integrity', `Could not write ${part}: ${(writeError as Error).message}. The part is kept; free space or fix the folder's permissions, then run the download again.`)
  }
  if (bodyError) throw bodyError
}

/** GET with the token for the Hub's origin only, redirects followed by hand, the watchdog on the headers. */
async function hubFetch(url: string, options: DownloadRepoFilesOptions, watchdog: Watchdog, headers: Record<string, string>): Promise<Response> {
  const hubOrigin = new URL(options.endpoint).origin
  let current = url
  for (let hop = 0; hop < 10; hop++) {
    const sameOrigin = new URL(current).origin === hubOrigin
    const response = await fetch(current, {
      headers: { ...headers, ...(options.token && sameOrigin ? { Authorization: `Bearer ${options.token}` } : {}) },
      redirect: 'manual',
      signal: watchdog.signal,
    })
    watchdog.poke()
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel()
      current = new URL(location, current).href
      continue
    }
    return response
  }
  throw new HubError('network', `${url}: too many redirects.`)
}

function resolveUrl(options: DownloadRepoFilesOptions, path: string): string {
  const prefix = options.kind === 'dataset' ? 'datasets/' : ''
  return `${options.endpoint}/${prefix}${options.repo}/resolve/${encodeURIComponent(options.commit)}/${path.split('/').map(encodeURIComponent).join('/')}`
}

async function checkDiskSpace(options: DownloadRepoFilesOptions, totalBytes: number): Promise<void> {
  let needed = 0
  for (const file of options.files) {
    const blob = blobPath(options.cacheDir, options.kind, options.repo, file.etag)
    if (existsSync(blob)) continue
    const part = `${blob}.incomplete`
    needed += file.size - (existsSync(part) ? Math.min(statSync(part).size, file.size) : 0)
  }
  if (needed === 0) return
  const statfs = options.statfs ?? ((path: string) => fsStatfs(path))
  let stats: Awaited<ReturnType<StatfsFunction>>
  try {
    stats = await statfs(existingAncestor(options.cacheDir))
  } catch {
    // A file system that cannot say its free space (some network mounts): the download goes on,
    // and a full disk still stops it, as a write error, keeping the part.
    return
  }
  const free = Number(stats.bavail) * Number(stats.bsize)
  if (free < needed + DISK_MARGIN_BYTES) {
    throw new HubError('disk-full', `${options.repo} needs ${formatBytes(needed)} more (of ${formatBytes(totalBytes)}) in ${options.cacheDir}, which has ${formatBytes(free)} free (keeping ${formatBytes(DISK_MARGIN_BYTES)} spare). Free some space, or set HF_HUB_CACHE to a folder on a larger disk.`)
  }
}

function existingAncestor(path: string): string {
  let current = path
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current)
  return current
}

function checkRepoPath(path: string): void {
  if (path.startsWith('/') || path.includes('\\') || path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new HubError('integrity', `The Hub listed a file at "${path}", a path that would leave the snapshot folder; refused.`)
  }
}

/** The hash a file is checked with: sha256 for an LFS file, the git blob id (sha1 of a header and the bytes) otherwise. Restartable, which node:crypto's hashes are not. */
class FileHash {
  private hash: Hash

  constructor(private readonly file: HubFileToFetch) {
    this.hash = this.fresh()
  }

  update(chunk: Buffer): void {
    this.hash.update(chunk)
  }

  reset(): void {
    this.hash = this.fresh()
  }

  hex(): string {
    return this.hash.digest('hex')
  }

  private fresh(): Hash {
    if (this.file.sha256) return createHash('sha256')
    return createHash('sha1').update(`blob ${this.file.size}\0`)
  }
}

function expectedDigest(file: HubFileToFetch): string {
  return (file.sha256 ?? file.etag).toLowerCase()
}

/** The idle watchdog, and why it stopped a Hub request in the Hub's words. */
class Watchdog extends IdleWatchdog {
  /** Why the watchdog stopped the request, if it did. */
  reason(): HubError | null {
    if (this.outer?.aborted) return new HubError('cancelled', 'The download was cancelled; run it again to continue where it stopped.')
    if (this.timedOut) return new HubError('network', `No answer for ${Math.round(this.timeoutMs / 1000)} s: the connection is down or the server is not answering. Try again, or set HF_HUB_OFFLINE=1 to use only what is already downloaded.`)
    return null
  }
}

function toHubError(error: unknown, watchdog: Watchdog, options: DownloadRepoFilesOptions): HubError {
  const out = error instanceof HubError ? error : watchdog.reason() ?? new HubError('network', `Could not reach ${options.endpoint} (${describeCause(error)}). Check the connection, or set HF_HUB_OFFLINE=1 to use only what is already downloaded.`)
  const message = redactToken(out.message, options.token)
  return message === out.message ? out : new HubError(out.kind, message, out.acceptUrl)
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error)
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HubError('cancelled', 'The download was cancelled; run it again to continue where it stopped.')
}

