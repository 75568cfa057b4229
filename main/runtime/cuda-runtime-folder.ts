// Where the app installs CUDA support: <dataDir>/runtimes/onnxruntime-<version>-cuda12/. The app
// bundle (and node_modules inside it) is read-only once installed, so `ONNXRUNTIME_NODE_INSTALL=cuda12`
// cannot put the provider libraries beside the bundled binding; instead the folder holds a COPY of
// the bundled binding and libonnxruntime next to the downloaded provider libraries. The binding's
// RUNPATH is $ORIGIN, so loading the copy loads the libonnxruntime beside it, and onnxruntime
// looks for provider libraries in the folder of the libonnxruntime it loaded.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The files the CUDA provider needs beside libonnxruntime (onnxruntime-node's install-metadata.js, manifest linux/x64:cuda12). */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so', 'libonnxruntime_providers_tensorrt.so'] as const

/** The bundled files copied into the folder, as onnxruntime-node ships them for linux/x64. */
export const BUNDLED_RUNTIME_FILES = ['onnxruntime_binding.node', 'libonnxruntime.so.1'] as const

/** Written last, once every file is in place: its presence (and version) is what "installed" means. */
export const MANIFEST_FILE = 'installed.json'

export interface InstalledRuntimeManifest {
  /** The onnxruntime-node version the binding was copied from; the folder is used only by the same version. */
  onnxruntime: string
  /** The NuGet package the provider libraries came from. */
  package: { id: string; version: string; sha512: string | null }
  installedAt: string
}

/** The folder of onnxruntime-node's own package. */
export function onnxruntimePackageDir(): string {
  return dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
}

/** The version of the onnxruntime-node this process would load (its package.json, read without loading the binding). */
export function onnxruntimeVersion(packageDir = onnxruntimePackageDir()): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version
}

/** Where onnxruntime-node keeps its binding for a platform (dist/binding.js requires it from there). */
export function bundledBindingDir(packageDir = onnxruntimePackageDir(), platform: string = process.platform, arch: string = process.arch): string {
  return join(packageDir, 'bin', 'napi-v6', platform, arch)
}

export function runtimesDir(dataDir: string): string {
  return join(dataDir, 'runtimes')
}

export function cudaRuntimeDir(dataDir: string, version: string): string {
  return join(runtimesDir(dataDir), `onnxruntime-${version}-cuda12`)
}

export type RuntimeFolderState =
  | { state: 'absent' }
  | { state: 'complete'; manifest: InstalledRuntimeManifest }
  /** A folder that must not be loaded: another version's, or missing a file. `problem` says which. */
  | { state: 'unusable'; problem: string }

/** Whether `folder` holds a complete CUDA runtime for onnxruntime `version`. */
export function inspectRuntimeFolder(folder: string, version: string): RuntimeFolderState {
  const manifestPath = join(folder, MANIFEST_FILE)
  if (!existsSync(manifestPath)) return existsSync(folder) ? { state: 'unusable', problem: `${folder} has no ${MANIFEST_FILE}: its install did not finish` } : { state: 'absent' }
  let manifest: InstalledRuntimeManifest
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as InstalledRuntimeManifest
  } catch (error) {
    return { state: 'unusable', problem: `${manifestPath} cannot be read (${(error as Error).message})` }
  }
  if (manifest.onnxruntime !== version) {
    return { state: 'unusable', problem: `${folder} was installed for onnxruntime ${manifest.onnxruntime}, this is ${version}` }
  }
  for (const file of [...BUNDLED_RUNTIME_FILES, ...CUDA_PROVIDER_LIBRARIES]) {
    const path = join(folder, file)
    if (!existsSync(path) || statSync(path).size === 0) return { state: 'unusable', problem: `${path} is missing` }
  }
  return { state: 'complete', manifest }
}
