// Makes `import 'onnxruntime-node'` load the binding of the CUDA runtime the app installed in its
// data folder (cuda-runtime-folder.ts) instead of the bundled one. onnxruntime-node's
// dist/binding.js does `require('../bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node')`, and
// require answers from require.cache when the resolved path is there: so the copy is loaded with
// process.dlopen and put in the cache under the bundled binding's path. This must run before
// onnxruntime-node is first imported (static imports are hoisted, so in an entry point's bootstrap:
// bin/mixture-studio.mjs, main/jobs/worker.ts); once the bundled binding is loaded, its
// libonnxruntime is in the process and cannot be swapped.
import { existsSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { join } from 'node:path'
import { bundledBindingDir, cudaRuntimeDir, inspectRuntimeFolder, onnxruntimeVersion, type RuntimeFolderState } from './cuda-runtime-folder'

const BINDING_FILE = 'onnxruntime_binding.node'

let redirectedTo: string | null = null

/** The folder whose binding this process loaded instead of the bundled one, or null. */
export function activeRuntimeFolder(): string | null {
  return redirectedTo
}

/**
 * Loads `folder`'s onnxruntime_binding.node and registers it as the bundled binding's module.
 * Throws, saying why, when onnxruntime-node's binding is loaded already or the file is missing.
 */
export function redirectOnnxruntimeBinding(folder: string, bundledDir = bundledBindingDir()): void {
  const bundled = join(bundledDir, BINDING_FILE)
  const target = join(folder, BINDING_FILE)
  const cache = createRequire(import.meta.url).cache
  if (redirectedTo === folder) return
  if (cache[bundled]) throw new Error(`onnxruntime-node's binding is loaded already (${bundled}); ${target} can only replace it before onnxruntime-node is first imported`)
  if (!existsSync(target)) throw new Error(`${target} is missing`)
  const module = new Module(bundled)
  module.filename = bundled
  // dlopen runs the addon's registration, which fills module.exports, as require would.
  process.dlopen(module, target)
  module.loaded = true
  cache[bundled] = module
  redirectedTo = folder
}

export type InstalledRuntimeUse =
  | { used: true; folder: string }
  | { used: false; folder: string; why: RuntimeFolderState }
  | { used: false; folder: null; why: 'not-linux-x64' }

/**
 * An entry point's bootstrap: uses the CUDA runtime installed in `dataDir` when it is complete and
 * was made for this onnxruntime-node's version; otherwise the bundled binding loads as always.
 * Never throws: a process that cannot use the folder still runs on the bundled CPU/WebGPU binding,
 * and the System page says what is wrong with the folder.
 */
export function useInstalledCudaRuntime(dataDir: string, platform: string = process.platform, arch: string = process.arch): InstalledRuntimeUse {
  if (platform !== 'linux' || arch !== 'x64') return { used: false, folder: null, why: 'not-linux-x64' }
  const version = onnxruntimeVersion()
  const folder = cudaRuntimeDir(dataDir, version)
  const state = inspectRuntimeFolder(folder, version)
  if (state.state !== 'complete') return { used: false, folder, why: state }
  try {
    redirectOnnxruntimeBinding(folder)
    return { used: true, folder }
  } catch (error) {
    return { used: false, folder, why: { state: 'unusable', problem: (error as Error).message } }
  }
}
