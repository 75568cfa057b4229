// The redirect is tested in a fresh process each time: once a process has loaded onnxruntime-node's
// binding (this test worker may have), its libonnxruntime cannot be swapped. The data folder holds
// a CPU-only copy of the bundled binding and libonnxruntime; where a complete install is needed,
// the provider library files are stand-ins (onnxruntime opens them only for a CUDA session).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { BUNDLED_RUNTIME_FILES, bundledBindingDir, CUDA_PROVIDER_LIBRARIES, cudaRuntimeDir, MANIFEST_FILE, onnxruntimeVersion } from '../../../main/runtime/cuda-runtime-folder'
import { makeTempDir } from '../../helpers/temp-dir'

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
})

/** A data folder with the bundled runtime copied into runtimes/onnxruntime-<v>-cuda12/. */
function dataDirWithRuntime(options: { manifestVersion?: string | null; providerLibraries?: boolean } = {}): { dataDir: string; folder: string } {
  const temp = makeTempDir('mixture-studio-redirect-')
  cleanup = temp.remove
  const version = onnxruntimeVersion()
  const folder = cudaRuntimeDir(temp.dir, version)
  mkdirSync(folder, { recursive: true })
  for (const file of BUNDLED_RUNTIME_FILES) copyFileSync(join(bundledBindingDir(), file), join(folder, file))
  if (options.providerLibraries !== false) for (const file of CUDA_PROVIDER_LIBRARIES) writeFileSync(join(folder, file), 'stand-in')
  const manifestVersion = options.manifestVersion === undefined ? version : options.manifestVersion
  if (manifestVersion !== null) {
    writeFileSync(join(folder, MANIFEST_FILE), JSON.stringify({ onnxruntime: manifestVersion, package: { id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version, sha512: null }, installedAt: new Date().toISOString() }))
  }
  return { dataDir: temp.dir, folder }
}

/** Runs `body` (after the bootstrap line) in a fresh Node process; it prints one JSON line. */
function inFreshProcess(bootstrap: string, body: string): Record<string, unknown> {
  const script = `${bootstrap}
    const ort = (await import('onnxruntime-node')).default
    const { probeModelBytes, probeInputs } = await import(${JSON.stringify(resolve('main/runtime/probe-model.ts'))})
    const session = await ort.InferenceSession.create(probeModelBytes(), { executionProviders: ['cpu'] })
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(probeInputs.x), [2]), y: new ort.Tensor('float32', Float32Array.from(probeInputs.y), [2]) })
    const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8')
    const loaded = [...new Set(maps.split('\\n').map((line) => line.split(/\\s+/)[5]).filter((path) => path && /onnxruntime/.test(path)))]
    ${body}
    console.log(JSON.stringify({ ...result, z: [...out.z.data], loaded }))`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf-8', timeout: 60_000, cwd: resolve('.') })
  if (child.status !== 0) throw new Error(`the child process failed: ${child.stderr}`)
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
}

const redirectModule = JSON.stringify(resolve('main/runtime/binding-redirect.ts'))

describe.runIf(onLinuxX64)('the installed runtime replaces the bundled binding', () => {
  it('loads the data folder\'s binding and libonnxruntime, and a CPU session runs on them', () => {
    const { dataDir, folder } = dataDirWithRuntime()
    const out = inFreshProcess(
      `const { useInstalledCudaRuntime, activeRuntimeFolder } = await import(${redirectModule})
       const use = useInstalledCudaRuntime(${JSON.stringify(dataDir)})`,
      'const result = { use, active: activeRuntimeFolder() }',
    )
    expect(out.use).toEqual({ used: true, folder })
    expect(out.active).toBe(folder)
    expect(out.z).toEqual([11, 22])
    const loaded = out.loaded as string[]
    expect(loaded).toContain(join(folder, 'libonnxruntime.so.1'))
    expect(loaded).toContain(join(folder, 'onnxruntime_binding.node'))
    expect(loaded.filter((path) => path.startsWith(bundledBindingDir()))).toEqual([])
  })

  it('the CLI\'s bin loads it first thing: a web-mode server on that data folder has the copy mapped', async () => {
    const { dataDir, folder } = dataDirWithRuntime()
    const server = spawn(process.execPath, ['bin/mixture-studio.mjs', 'serve', '--port', '0'], { cwd: resolve('.'), env: { ...process.env, MIXTURE_STUDIO_HOME: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      await new Promise<void>((resolveStarted, reject) => {
        let out = ''
        server.stdout.on('data', (chunk) => {
          out += chunk
          if (/http:\/\/127\.0\.0\.1:\d+/.test(out)) resolveStarted()
        })
        server.once('exit', (code) => reject(new Error(`serve exited ${code} before it listened`)))
      })
      const maps = readFileSync(`/proc/${server.pid}/maps`, 'utf8')
      expect(maps).toContain(join(folder, 'libonnxruntime.so.1'))
      expect(maps).not.toContain(join(bundledBindingDir(), 'libonnxruntime.so.1'))
    } finally {
      server.kill('SIGTERM')
      await new Promise((resolveExit) => server.once('exit', resolveExit))
    }
  })

  it('leaves the bundled binding in place when the folder was made for another onnxruntime version', () => {
    const { dataDir } = dataDirWithRuntime({ manifestVersion: '0.0.1' })
    const out = inFreshProcess(`const { useInstalledCudaRuntime } = await import(${redirectModule})
       const use = useInstalledCudaRuntime(${JSON.stringify(dataDir)})`, 'const result = { use }')
    expect(out.use).toMatchObject({ used: false, why: { state: 'unusable', problem: expect.stringMatching(/installed for onnxruntime 0\.0\.1, this is /) } })
    expect(out.z).toEqual([11, 22])
    expect(out.loaded).toContain(join(bundledBindingDir(), 'libonnxruntime.so.1'))
  })

  it('leaves it in place when an install did not finish (no manifest) or a provider library is missing', () => {
    const unfinished = dataDirWithRuntime({ manifestVersion: null })
    const out = inFreshProcess(`const { useInstalledCudaRuntime } = await import(${redirectModule})
       const use = useInstalledCudaRuntime(${JSON.stringify(unfinished.dataDir)})`, 'const result = { use }')
    expect(out.use).toMatchObject({ used: false, why: { state: 'unusable', problem: expect.stringMatching(/has no installed\.json: its install did not finish/) } })
    cleanup?.()
    const partial = dataDirWithRuntime({ providerLibraries: false })
    const second = inFreshProcess(`const { useInstalledCudaRuntime } = await import(${redirectModule})
       const use = useInstalledCudaRuntime(${JSON.stringify(partial.dataDir)})`, 'const result = { use }')
    expect(second.use).toMatchObject({ used: false, why: { state: 'unusable', problem: expect.stringMatching(/libonnxruntime_providers_cuda\.so is missing/) } })
  })

  it('refuses to redirect once onnxruntime-node is loaded, saying so', () => {
    const { folder } = dataDirWithRuntime()
    const script = `await import('onnxruntime-node')
      const { redirectOnnxruntimeBinding } = await import(${redirectModule})
      try { redirectOnnxruntimeBinding(${JSON.stringify(folder)}); console.log('redirected') } catch (e) { console.log(e.message) }`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf-8', timeout: 60_000, cwd: resolve('.') })
    expect(child.stdout).toMatch(/binding is loaded already .*can only replace it before onnxruntime-node is first imported/)
  })
})

describe.runIf(onLinuxX64)('planning in a process that did not load the installed runtime', () => {
  it('counts the CUDA provider as present when the data folder has a complete runtime, as the job processes will load it', async () => {
    const { machineProviderFacts, installedCudaRuntimeComplete } = await import('../../../main/runtime/execution-providers')
    const backends = [{ name: 'cpu', bundled: true }, { name: 'cuda', bundled: false }]
    const saved = process.env.MIXTURE_STUDIO_HOME
    try {
      const complete = dataDirWithRuntime()
      process.env.MIXTURE_STUDIO_HOME = complete.dataDir
      expect(installedCudaRuntimeComplete()).toBe(true)
      expect(machineProviderFacts(backends).hasProviderLibrary('cuda')).toBe(true)
      cleanup?.()
      const other = dataDirWithRuntime({ manifestVersion: '0.0.1' })
      process.env.MIXTURE_STUDIO_HOME = other.dataDir
      expect(installedCudaRuntimeComplete()).toBe(false)
      expect(machineProviderFacts(backends).hasProviderLibrary('cuda')).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.MIXTURE_STUDIO_HOME
      else process.env.MIXTURE_STUDIO_HOME = saved
    }
  })
})

describe('useInstalledCudaRuntime off Linux x64', () => {
  it('does nothing on other platforms', async () => {
    const { useInstalledCudaRuntime } = await import('../../../main/runtime/binding-redirect')
    expect(useInstalledCudaRuntime('/nowhere', 'win32', 'x64')).toEqual({ used: false, folder: null, why: 'not-linux-x64' })
    expect(useInstalledCudaRuntime('/nowhere', 'linux', 'arm64')).toEqual({ used: false, folder: null, why: 'not-linux-x64' })
  })
})
