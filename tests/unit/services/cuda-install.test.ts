// Install CUDA support end to end against a local NuGet feed (tests/helpers/nuget-feed-server.ts):
// the work in this process for its cases, then the calls through job processes as the app runs
// them, and the check that opens a CUDA session (which fails here: no driver, stand-in libraries).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ApiCallError, CudaCheckResult, CudaInstallResult, SystemInfo, SystemProbeResult, type JobInfo } from '../../../main/contract'
import { WorkStopped, type WorkContext } from '../../../main/jobs/work-context'
import { bundledBindingDir, cudaRuntimeDir, inspectRuntimeFolder, onnxruntimeVersion, runtimesDir } from '../../../main/runtime/cuda-runtime-folder'
import { installCudaSupport } from '../../../main/services/cuda-install-work'
import { startNugetFeed, type NugetFeed } from '../../helpers/nuget-feed-server'
import { makeTempDir } from '../../helpers/temp-dir'
import { useTempServices } from '../../helpers/temp-services'

const version = onnxruntimeVersion()
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

interface Reported { done: number; total: number; label: string; transfer?: { bytes: number; bytesPerSecond: number } }

function watchedWork(stopWhen: (reports: Reported[]) => boolean = () => false): WorkContext & { reports: Reported[] } {
  const reports: Reported[] = []
  return { reports, progress: (done, total, label, transfer) => reports.push({ done, total, label, ...(transfer ? { transfer } : {}) }), stopRequested: () => stopWhen(reports) }
}

let feed: NugetFeed | null = null
let temp: ReturnType<typeof makeTempDir> | null = null
afterEach(async () => {
  await feed?.close()
  feed = null
  temp?.remove()
  temp = null
})

function dataDir(): string {
  temp = makeTempDir('mixture-studio-cuda-install-')
  return temp.dir
}

/** Whatever is left in runtimes/ besides a finished install's folder (parts, staging folders). */
function leftovers(dir: string): string[] {
  const runtimes = runtimesDir(dir)
  return existsSync(runtimes) ? readdirSync(runtimes).filter((name) => name !== `onnxruntime-${version}-cuda12`) : []
}

describe('installCudaSupport from a NuGet feed', () => {
  it('puts the bundled binding and the package\'s three provider libraries in a complete folder, verified, reporting bytes', async () => {
    feed = await startNugetFeed({ version })
    const dir = dataDir()
    const work = watchedWork()
    const result = await installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, work)
    const folder = cudaRuntimeDir(dir, version)
    expect(result).toEqual({ folder, onnxruntime: version, package: { id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version, sha512: feed.sha512 }, alreadyInstalled: false })
    expect(inspectRuntimeFolder(folder, version).state).toBe('complete')
    for (const [name, bytes] of Object.entries(feed.libraries)) expect(readFileSync(join(folder, name)).equals(bytes)).toBe(true)
    expect(readFileSync(join(folder, 'onnxruntime_binding.node')).equals(readFileSync(join(bundledBindingDir(), 'onnxruntime_binding.node')))).toBe(true)
    expect(readdirSync(folder).sort()).toEqual(['installed.json', 'libonnxruntime.so.1', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so', 'onnxruntime_binding.node'])
    expect(leftovers(dir)).toEqual([])
    const downloads = work.reports.filter((r) => r.transfer)
    expect(downloads.length).toBeGreaterThan(0)
    expect(downloads.at(-1)).toMatchObject({ done: downloads.at(-1)?.total, label: `Downloading Microsoft.ML.OnnxRuntime.Gpu.Linux ${version}` })
    expect(downloads.at(-1)?.transfer?.bytesPerSecond).toBeGreaterThan(0)

    // Installed already: nothing is fetched again.
    const before = feed.requests.length
    expect(await installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, watchedWork())).toMatchObject({ alreadyInstalled: true, folder })
    expect(feed.requests.length).toBe(before)
  })

  it('removes what a killed install left (its part and staging folder), not what a live one is writing', async () => {
    feed = await startNugetFeed({ version })
    const dir = dataDir()
    const runtimes = runtimesDir(dir)
    const gone = spawnSync(process.execPath, ['-e', 'process.pid']).pid as number
    const living = process.ppid
    mkdirSync(join(runtimes, `onnxruntime-${version}-cuda12.staging-${gone}`), { recursive: true })
    writeFileSync(join(runtimes, `.microsoft.ml.onnxruntime.gpu.linux.${version}.nupkg.part-${gone}`), 'half')
    writeFileSync(join(runtimes, `.microsoft.ml.onnxruntime.gpu.linux.${version}.nupkg.part-${living}`), 'in progress')
    await installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, watchedWork())
    expect(leftovers(dir)).toEqual([`.microsoft.ml.onnxruntime.gpu.linux.${version}.nupkg.part-${living}`])
  })

  it('installs without a hash where the feed publishes none', async () => {
    feed = await startNugetFeed({ version, noRegistrations: true })
    const dir = dataDir()
    expect((await installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, watchedWork())).package.sha512).toBeNull()
    expect(inspectRuntimeFolder(cudaRuntimeDir(dir, version), version).state).toBe('complete')
  })

  it('refuses a package whose SHA-512 is not the catalog\'s, leaving nothing behind', async () => {
    feed = await startNugetFeed({ version, wrongHash: true })
    const dir = dataDir()
    const failure = installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, watchedWork())
    await expect(failure).rejects.toThrow(ApiCallError)
    await expect(failure).rejects.toThrow(/failed its integrity check \(SHA-512 .*, the feed's is .*\): refused\. Install again/)
    expect(existsSync(cudaRuntimeDir(dir, version))).toBe(false)
    expect(leftovers(dir)).toEqual([])
  })

  it('says so when the feed has no package of this onnxruntime version', async () => {
    feed = await startNugetFeed({ version: '0.0.1' })
    await expect(installCudaSupport({ dataDir: dataDir(), feed: feed.indexUrl }, watchedWork())).rejects.toThrow(
      new RegExp(`has no Microsoft\\.ML\\.OnnxRuntime\\.Gpu\\.Linux ${version.replaceAll('.', '\\.')}, the version of this onnxruntime-node \\(it lists 1\\.16\\.0, 0\\.0\\.1\\)`),
    )
  })

  it('refuses with a clear message when offline', async () => {
    const dir = dataDir()
    // A port nothing listens on any more: the connection is refused, as with no network.
    const closed = await startNugetFeed({ version })
    await closed.close()
    const port = new URL(closed.indexUrl).port
    await expect(installCudaSupport({ dataDir: dir, feed: closed.indexUrl }, watchedWork())).rejects.toThrow(
      new RegExp(`Could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\): this machine looks offline\\. .*set MIXTURE_STUDIO_NUGET_FEED`),
    )
    expect(leftovers(dir)).toEqual([])
  })

  it('a Stop mid-download ends it and removes the part', async () => {
    feed = await startNugetFeed({ version, paceMs: 20 })
    const dir = dataDir()
    const work = watchedWork((reports) => reports.some((r) => r.transfer))
    await expect(installCudaSupport({ dataDir: dir, feed: feed.indexUrl }, work)).rejects.toThrow(WorkStopped)
    expect(existsSync(cudaRuntimeDir(dir, version))).toBe(false)
    expect(leftovers(dir)).toEqual([])
  })
})

describe.runIf(onLinuxX64)('systemInstallCuda and systemCheckCuda through job processes', () => {
  const temp = useTempServices('mixture-studio-cuda-services-')
  let localFeed: NugetFeed
  const savedFeed = process.env.MIXTURE_STUDIO_NUGET_FEED
  beforeAll(async () => {
    localFeed = await startNugetFeed({ version })
    process.env.MIXTURE_STUDIO_NUGET_FEED = localFeed.indexUrl
  })
  afterAll(async () => {
    if (savedFeed === undefined) delete process.env.MIXTURE_STUDIO_NUGET_FEED
    else process.env.MIXTURE_STUDIO_NUGET_FEED = savedFeed
    await localFeed.close()
  })

  async function ended(started: JobInfo): Promise<JobInfo> {
    for (;;) {
      const job = (await temp.services.jobsList({})).find((j) => j.id === started.id)
      if (job && job.state !== 'running') return job
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  it('a cancelled install ends its process and leaves nothing in the data folder', async () => {
    const paced = await startNugetFeed({ version, paceMs: 20, paddingBytes: 600_000 })
    process.env.MIXTURE_STUDIO_NUGET_FEED = paced.indexUrl
    try {
      const downloading = new Promise<void>((resolve) => {
        const stop = temp.services.subscribe('onJobEvent', (event) => {
          if (event.type === 'progress' && event.transfer && event.transfer.bytes > 0) {
            stop()
            resolve()
          }
        })
      })
      const started = await temp.services.systemInstallCuda({})
      await expect(temp.services.systemInstallCuda({})).rejects.toThrow(/being installed already/)
      await downloading
      await temp.services.jobsCancel({ jobId: started.id })
      expect((await ended(started)).state).toBe('cancelled')
      expect(existsSync(cudaRuntimeDir(temp.dataDir, version))).toBe(false)
      expect(leftovers(temp.dataDir)).toEqual([])
    } finally {
      process.env.MIXTURE_STUDIO_NUGET_FEED = localFeed.indexUrl
      await paced.close()
    }
  })

  it('installs into the data folder, then the check loads it and names what CUDA lacks here', async () => {
    const install = await ended(await temp.services.systemInstallCuda({}))
    expect(install.state).toBe('completed')
    const installed = CudaInstallResult.parse(install.result)
    expect(installed.folder).toBe(cudaRuntimeDir(temp.dataDir, version))

    const info = SystemInfo.parse(await temp.services.systemInfo({}))
    expect(info.cuda).toMatchObject({ state: 'installed', offered: false, folder: installed.folder })
    expect(info.providers.find((p) => p.name === 'cuda')?.available).toBe(true)

    const check = await ended(await temp.services.systemCheckCuda({}))
    expect(check.state).toBe('completed')
    const result = CudaCheckResult.parse(check.result)
    // The job process loaded the data folder's binding; the stand-in provider library cannot load.
    expect(result.folder).toBe(installed.folder)
    expect(result.ok).toBe(false)
    // onnxruntime's own words: it could not load the provider library (a stand-in here).
    expect(result.message).toMatch(/^A CUDA session did not open \([^)]*Failed to load shared library\)\. /)
    if (!existsSync('/proc/driver/nvidia/version')) expect(result.message).toMatch(/Missing: the NVIDIA driver: none found/)
  })

  it('a probe job loads the data folder\'s runtime (the worker redirects before its job imports onnxruntime) and says what CUDA lacks', async () => {
    const saved = process.env.MIXTURE_STUDIO_HOME
    // Job processes find the data folder as every entry point does: MIXTURE_STUDIO_HOME, inherited.
    process.env.MIXTURE_STUDIO_HOME = temp.dataDir
    try {
      const probe = await ended(await temp.services.jobsStart({ kind: 'system-probe' }))
      const cuda = SystemProbeResult.parse(probe.result).providers.find((p) => p.name === 'cuda')
      expect(cuda?.available).toBe(false)
      // Without the redirect the bundled binding has no provider library beside it, and the reason would say to install one.
      expect(cuda?.reason).toMatch(/Failed to load shared library — CUDA cannot run on this machine yet\. Missing: /)
      expect(cuda?.reason).not.toMatch(/Install CUDA support/)
    } finally {
      if (saved === undefined) delete process.env.MIXTURE_STUDIO_HOME
      else process.env.MIXTURE_STUDIO_HOME = saved
    }
  })
})
