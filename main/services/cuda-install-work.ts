// The System page's "Install CUDA support": what `ONNXRUNTIME_NODE_INSTALL=cuda12` does
// (onnxruntime-node's script/install-utils.js), into the data folder instead of node_modules
// (main/runtime/cuda-runtime-folder.ts says why and how it is loaded):
//   1. the NuGet feed's index.json -> PackageBaseAddress/3.0.0 -> the package's versions, which
//      must list onnxruntime-node's own version (the provider libraries must match its libonnxruntime);
//   2. the package's SHA-512 from its catalog entry (RegistrationsBaseUrl), where the feed has one;
//   3. the .nupkg streamed to a part file, hashed as it comes, with a timeout on every wait;
//   4. a staging folder gets a copy of the bundled binding and libonnxruntime and the three provider
//      libraries extracted from the package, then installed.json, and is renamed into place: the
//      folder is complete or absent, never half there (a Stop or a failure removes what was begun).
// It runs in a `cuda-install` job process; its progress carries the download's bytes and rate.
import { createHash } from 'node:crypto'
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { isProcessAlive } from '../store/process-liveness'
import { IdleWatchdog } from '../runtime/idle-watchdog'
import { z } from 'zod'
import { ApiCallError, type CudaInstallResult } from '../contract'
import { WorkStopped, type WorkContext } from '../jobs/work-context'
import {
  BUNDLED_RUNTIME_FILES, bundledBindingDir, CUDA_PROVIDER_LIBRARIES, cudaRuntimeDir, inspectRuntimeFolder, MANIFEST_FILE, onnxruntimeVersion, runtimesDir,
  type InstalledRuntimeManifest,
} from '../runtime/cuda-runtime-folder'
import { extractZipEntry, listZipEntries } from '../runtime/zip-entries'

export const DEFAULT_NUGET_FEED = 'https://api.nuget.org/v3/index.json'
export const CUDA_PACKAGE_ID = 'Microsoft.ML.OnnxRuntime.Gpu.Linux'
/** Where the provider libraries sit in the package (onnxruntime-node's install-metadata.js). */
const PACKAGE_LIBRARY_DIR = 'runtimes/linux-x64/native'

/** The feed to use: MIXTURE_STUDIO_NUGET_FEED (a mirror, or a test's local feed), else nuget.org. */
export function nugetFeed(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.MIXTURE_STUDIO_NUGET_FEED?.trim() || DEFAULT_NUGET_FEED
}

/** What main passes the job. */
export const CudaInstallRequest = z.object({ dataDir: z.string().min(1), feed: z.string().min(1) })
export type CudaInstallRequest = z.infer<typeof CudaInstallRequest>

export interface CudaInstallOptions {
  /** How long to wait for a connection, an answer, or the next bytes (default 15 s). */
  timeoutMs?: number
}

const STOP_POLL_MS = 100

export async function installCudaSupport(request: CudaInstallRequest, work: WorkContext, options: CudaInstallOptions = {}): Promise<CudaInstallResult> {
  const version = onnxruntimeVersion()
  const folder = cudaRuntimeDir(request.dataDir, version)
  const existing = inspectRuntimeFolder(folder, version)
  if (existing.state === 'complete') return { folder, onnxruntime: version, package: existing.manifest.package, alreadyInstalled: true }

  // Named by this process: the app's install and another (a second app, a killed one's leftovers) never share a file.
  const staging = `${folder}.staging-${process.pid}`
  const part = join(runtimesDir(request.dataDir), `.${CUDA_PACKAGE_ID.toLowerCase()}.${version}.nupkg.part-${process.pid}`)
  const controller = new AbortController()
  const poll = setInterval(() => {
    if (work.stopRequested()) controller.abort()
  }, STOP_POLL_MS)
  const feed = new Feed(request.feed, controller.signal, options.timeoutMs ?? 15_000)
  const stopIfAsked = () => {
    if (work.stopRequested()) throw new WorkStopped()
  }
  try {
    mkdirSync(runtimesDir(request.dataDir), { recursive: true })
    removeLeftovers(runtimesDir(request.dataDir))
    work.progress(0, 0, `Looking up ${CUDA_PACKAGE_ID} ${version} on ${request.feed}`)
    const located = await locatePackage(feed, version)
    stopIfAsked()
    work.progress(0, 0, `Downloading ${CUDA_PACKAGE_ID} ${version}`)
    const sha512 = await feed.download(located.url, part, (progress) => {
      if (!work.stopRequested()) work.progress(progress.bytes, progress.totalBytes, `Downloading ${CUDA_PACKAGE_ID} ${version}`, { file: located.fileName, ...progress })
    })
    stopIfAsked()
    if (located.sha512 && sha512 !== located.sha512) {
      throw new ApiCallError('conflict', `${located.url} failed its integrity check (SHA-512 ${sha512}, the feed's is ${located.sha512}): refused. Install again to fetch it anew.`)
    }
    work.progress(1, 1, 'Extracting the CUDA provider libraries')
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    for (const file of BUNDLED_RUNTIME_FILES) copyFileSync(join(bundledBindingDir(), file), join(staging, file))
    const entries = await listZipEntries(part)
    for (const library of CUDA_PROVIDER_LIBRARIES) {
      const name = `${PACKAGE_LIBRARY_DIR}/${library}`
      const entry = entries.find((e) => e.name === name)
      if (!entry) throw new ApiCallError('conflict', `${CUDA_PACKAGE_ID} ${version} from ${request.feed} has no ${name}; this package cannot give onnxruntime its CUDA provider`)
      await extractZipEntry(part, entry, join(staging, library))
      stopIfAsked()
    }
    const manifest: InstalledRuntimeManifest = { onnxruntime: version, package: { id: CUDA_PACKAGE_ID, version, sha512: located.sha512 }, installedAt: new Date().toISOString() }
    writeFileSync(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`)
    // An unusable folder (an older install's leftover) makes way; a process still using it keeps its open files.
    if (existsSync(folder)) rmSync(folder, { recursive: true, force: true })
    renameSync(staging, folder)
    rmSync(part, { force: true })
    return { folder, onnxruntime: version, package: manifest.package, alreadyInstalled: false }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    rmSync(part, { force: true })
    if (work.stopRequested()) throw new WorkStopped()
    throw error
  } finally {
    clearInterval(poll)
  }
}

/**
 * Parts and staging folders of installs whose process is gone (killed before it could clean up:
 * a Cancel waits 3 s, then kills). They are named by pid; a live process's are left alone.
 */
function removeLeftovers(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = Number(/(?:\.staging-|\.nupkg\.part-)(\d+)$/.exec(name)?.[1] ?? NaN)
    if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) rmSync(join(dir, name), { recursive: true, force: true })
  }
}

interface LocatedPackage {
  url: string
  fileName: string
  /** Base64, as NuGet's catalog gives it; null when the feed has no catalog entry for it. */
  sha512: string | null
}

/** NuGet's v3 protocol, as onnxruntime-node's installer walks it (and the catalog for the hash). */
async function locatePackage(feed: Feed, version: string): Promise<LocatedPackage> {
  const index = (await feed.json(feed.indexUrl, 'the feed\'s service index')) as { resources?: { '@id': string; '@type': string }[] }
  const resource = (type: RegExp) => index.resources?.find((r) => type.test(r['@type']))?.['@id']
  const base = resource(/^PackageBaseAddress\/3\.0\.0$/)
  if (!base) throw new ApiCallError('conflict', `${feed.indexUrl} lists no PackageBaseAddress/3.0.0: it is not a NuGet v3 feed`)
  const id = CUDA_PACKAGE_ID.toLowerCase()
  const baseUrl = base.endsWith('/') ? base : `${base}/`
  const versions = (await feed.json(`${baseUrl}${id}/index.json`, `the versions of ${CUDA_PACKAGE_ID}`)) as { versions?: string[] } | null
  if (!versions?.versions?.includes(version.toLowerCase())) {
    throw new ApiCallError('not_found', `${feed.indexUrl} has no ${CUDA_PACKAGE_ID} ${version}, the version of this onnxruntime-node (it lists ${versions?.versions?.slice(-5).join(', ') || 'none'}); CUDA support must match it exactly`)
  }
  const fileName = `${id}.${version.toLowerCase()}.nupkg`
  return { url: `${baseUrl}${id}/${version.toLowerCase()}/${fileName}`, fileName, sha512: await catalogHash(feed, resource(/^RegistrationsBaseUrl/), id, version) }
}

/** The package's SHA-512 from its registration leaf's catalog entry; null where the feed has none. */
async function catalogHash(feed: Feed, registrations: string | undefined, id: string, version: string): Promise<string | null> {
  if (!registrations) return null
  const base = registrations.endsWith('/') ? registrations : `${registrations}/`
  const leaf = (await feed.json(`${base}${id}/${version.toLowerCase()}.json`, 'the package\'s registration', { optional: true })) as { catalogEntry?: string | { packageHash?: string; packageHashAlgorithm?: string } } | null
  const entry = typeof leaf?.catalogEntry === 'string' ? ((await feed.json(leaf.catalogEntry, 'the package\'s catalog entry', { optional: true })) as { packageHash?: string; packageHashAlgorithm?: string } | null) : leaf?.catalogEntry
  return entry?.packageHash && /^sha512$/i.test(entry.packageHashAlgorithm ?? '') ? entry.packageHash : null
}

interface Transfer {
  bytes: number
  totalBytes: number
  bytesPerSecond: number
  etaSeconds: number | null
}

/** GETs from the feed with a timeout on every wait; network failures become messages a user can act on. */
class Feed {
  constructor(
    readonly indexUrl: string,
    private readonly signal: AbortSignal,
    private readonly timeoutMs: number,
  ) {}

  async json(url: string, what: string, options: { optional?: boolean } = {}): Promise<unknown> {
    const watchdog = this.watchdog()
    try {
      const response = await this.get(url, watchdog)
      if (response.status === 404 && options.optional) return null
      if (response.status === 404) throw new ApiCallError('not_found', `${url} (${what}) was not found on the feed`)
      if (!response.ok) throw new ApiCallError('conflict', `${url} (${what}) answered HTTP ${response.status}; try again later`)
      return await response.json()
    } catch (error) {
      throw this.explain(error, watchdog, url)
    } finally {
      watchdog.stop()
    }
  }

  /** Streams `url` into `path`; returns the bytes' SHA-512 in base64. */
  async download(url: string, path: string, onProgress: (transfer: Transfer) => void): Promise<string> {
    const watchdog = this.watchdog()
    const hash = createHash('sha512')
    try {
      const response = await this.get(url, watchdog)
      if (!response.ok || !response.body) throw new ApiCallError(response.status === 404 ? 'not_found' : 'conflict', `${url} answered HTTP ${response.status}; try again later`)
      const totalBytes = Number(response.headers.get('content-length') ?? 0)
      const started = performance.now()
      let bytes = 0
      const out = createWriteStream(path)
      try {
        for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)) {
          watchdog.poke()
          const buffer = chunk as Buffer
          hash.update(buffer)
          bytes += buffer.length
          if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
          const seconds = (performance.now() - started) / 1000
          const bytesPerSecond = seconds > 0 ? bytes / seconds : 0
          onProgress({ bytes, totalBytes, bytesPerSecond, etaSeconds: bytesPerSecond > 0 && totalBytes > 0 ? (totalBytes - bytes) / bytesPerSecond : null })
        }
      } finally {
        await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
      }
      if (totalBytes > 0 && bytes !== totalBytes) throw new ApiCallError('conflict', `${url}: received ${bytes} of ${totalBytes} bytes; the connection dropped, install again`)
      return hash.digest('base64')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOSPC' || code === 'EDQUOT') throw new ApiCallError('conflict', `The disk of ${path} is full: free some space (the package is several hundred MB), then install again`)
      throw this.explain(error, watchdog, url)
    } finally {
      watchdog.stop()
    }
  }

  private async get(url: string, watchdog: IdleWatchdog): Promise<Response> {
    const response = await fetch(url, { signal: watchdog.signal, redirect: 'follow' })
    watchdog.poke()
    return response
  }

  private watchdog(): IdleWatchdog {
    return new IdleWatchdog(this.timeoutMs, this.signal)
  }

  private explain(error: unknown, watchdog: IdleWatchdog, url: string): unknown {
    if (error instanceof ApiCallError || error instanceof WorkStopped) return error
    if (this.signal.aborted) return new WorkStopped()
    const host = new URL(url).host
    if (watchdog.timedOut) return new ApiCallError('conflict', `${host} did not answer for ${Math.round(this.timeoutMs / 1000)} s: the connection is down or the feed is not answering. Check the connection and install again.`)
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const why = cause?.code ?? cause?.message ?? (error as Error).message
    return new ApiCallError('conflict', `Could not reach ${host} (${why}): this machine looks offline. Installing CUDA support downloads onnxruntime's CUDA package from ${host}; connect to the network (or set MIXTURE_STUDIO_NUGET_FEED to a reachable NuGet feed) and install again.`)
  }
}
