import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { ExecutionProviderStatus } from '../contract'
import { defaultDataDir } from '../store/data-dir'
import { activeRuntimeFolder } from './binding-redirect'
import { cudaRuntimeDir, inspectRuntimeFolder, onnxruntimeVersion } from './cuda-runtime-folder'

export type ProviderName = ExecutionProviderStatus['name']

/** Every provider the contract knows, in the order docs/DESIGN.md prefers them. */
export const knownProviders: readonly ProviderName[] = ['cuda', 'tensorrt', 'dml', 'webgpu', 'coreml', 'cpu']

export function isKnownProvider(name: string): name is ProviderName {
  return (knownProviders as readonly string[]).includes(name)
}

/** What onnxruntime-node says about itself, plus what we can see on disk. */
export interface ProviderFacts {
  platform: NodeJS.Platform
  arch: string
  /** From `listSupportedBackends()`. */
  backends: readonly { name: string; bundled: boolean }[]
  /** Whether a provider's separately installed shared library sits beside the binding. */
  hasProviderLibrary(name: ProviderName): boolean
  /**
   * Linux: whether the kernel shows any GPU device node. Without one, a WebGPU adapter can only
   * be a software Vulkan driver (Mesa's lavapipe, SwiftShader) computing on the CPU, slower than
   * ORT's CPU provider: `auto` then skips WebGPU (an explicit `webgpu` still uses it).
   * Undefined: unknown (other platforms), taken as present.
   */
  gpuDevicePresent?: boolean
}

/** Why `auto` does not pick WebGPU on a Linux machine without GPU device nodes. */
export const SOFTWARE_WEBGPU_REASON =
  'no GPU device on this machine (/dev/dri/renderD*, /dev/nvidia*, /dev/dxg): a WebGPU adapter here is a software Vulkan driver running on the CPU, slower than the CPU provider; choose device webgpu to use it anyway'

/** Linux GPU device nodes: DRM render nodes (Mesa, amdgpu, i915, nouveau), NVIDIA's driver, WSL2's GPU. */
export function linuxGpuDevicePresent(devDir = '/dev'): boolean {
  const has = (dir: string, pattern: RegExp) => {
    try {
      return readdirSync(dir).some((name) => pattern.test(name))
    } catch {
      return false
    }
  }
  return has(`${devDir}/dri`, /^renderD\d+$/) || has(devDir, /^(nvidia\d+|dxg)$/)
}

const CUDA_INSTALL_HINT =
  'on Linux x64 with an NVIDIA GPU, use "Install CUDA support" on the System page; from source, install them with `npm install-scripts approve onnxruntime-node` and then `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (npm 11 skips a dependency\'s install script until it is approved; needs CUDA 12 and cuDNN 9 on the machine)'

/**
 * What can be known without running anything: which providers this build of onnxruntime
 * has, and the platform rules of docs/DESIGN.md "Execution providers". `available: true` here
 * means "present and worth trying"; the `system-probe` job gives the live answer.
 */
export function describeProviders(facts: ProviderFacts): ExecutionProviderStatus[] {
  const listed = new Map(facts.backends.map((backend) => [backend.name, backend]))
  return knownProviders.map((name) => {
    const backend = listed.get(name)
    if (!backend) return { name, available: false, reason: notBuiltReason(name, facts) }
    if (backend.bundled) {
      if (name === 'webgpu' && facts.platform === 'linux' && facts.gpuDevicePresent === false) return { name, available: true, reason: `built in, but ${SOFTWARE_WEBGPU_REASON}` }
      return { name, available: true, reason: bundledReason(name) }
    }
    if (facts.hasProviderLibrary(name)) {
      return {
        name,
        available: true,
        reason: `provider library installed; run the system probe to check the driver and GPU`,
      }
    }
    return {
      name,
      available: false,
      reason: `the ${name === 'tensorrt' ? 'TensorRT' : 'CUDA'} provider libraries are not installed beside onnxruntime-node; ${CUDA_INSTALL_HINT}`,
    }
  })
}

function notBuiltReason(name: ProviderName, facts: ProviderFacts): string {
  switch (name) {
    case 'dml':
      return 'DirectML runs only on Windows'
    case 'coreml':
      return 'Core ML runs only on macOS'
    case 'cuda':
    case 'tensorrt':
      return facts.platform === 'darwin'
        ? 'NVIDIA GPUs are not supported on macOS'
        : `onnxruntime-node has no ${name} build for ${facts.platform}/${facts.arch}`
    default:
      return `this onnxruntime-node build for ${facts.platform}/${facts.arch} does not include it`
  }
}

function bundledReason(name: ProviderName): string {
  switch (name) {
    case 'cpu':
      return 'always available'
    case 'webgpu':
      return 'built in; needs a GPU adapter (Vulkan, Metal or D3D12): run the system probe to check'
    default:
      return 'built in; run the system probe to check the GPU'
  }
}

/** Adds what to do to a provider's failure message, where we know it. */
export function explainProviderFailure(name: ProviderName, message: string, platform: NodeJS.Platform = process.platform): string {
  const firstLine = message.split('\n')[0].trim()
  if ((name === 'cuda' || name === 'tensorrt') && /load (shared )?library/i.test(message)) {
    return `${firstLine} — the ${name} provider libraries are missing or cannot find CUDA; ${CUDA_INSTALL_HINT}`
  }
  if (name === 'webgpu' && /adapter/i.test(message)) {
    const detail = /Failed to get a WebGPU adapter[^\n]*/.exec(message)?.[0] ?? firstLine
    // Seen on a headless Linux GPU server: the GPU is there, the Vulkan loader is not.
    const needs =
      platform === 'linux'
        ? 'install the Vulkan loader (libvulkan1) and the GPU vendor\'s Vulkan driver'
        : platform === 'win32'
          ? 'it needs a GPU with a D3D12 driver'
          : 'it needs a GPU with Metal support'
    return `${detail} — ${needs}`
  }
  return firstLine
}

/**
 * Looks for a provider's shared library where onnxruntime-node's installer puts it, and in the
 * data folder's runtime when this process loaded its binding (binding-redirect.ts): onnxruntime
 * loads provider libraries from the folder of the libonnxruntime it loaded.
 */
export function hasProviderLibraryOnDisk(name: ProviderName, platform = process.platform, arch = process.arch): boolean {
  const fileName = platform === 'win32' ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`
  const packageDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
  const active = activeRuntimeFolder()
  return existsSync(join(packageDir, 'bin', 'napi-v6', platform, arch, fileName)) || (active !== null && existsSync(join(active, fileName)))
}

/**
 * Whether the data folder holds a complete CUDA runtime, which job processes load in place of the
 * bundled binding (binding-redirect.ts). A process that loaded onnxruntime-node without it (the
 * Electron main, whose bundle loads onnxruntime-node before any code of its own runs; a server
 * started before the install) still plans runs as the job processes that train them will see it.
 */
export function installedCudaRuntimeComplete(dataDir: string = defaultDataDir()): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false
  const version = onnxruntimeVersion()
  return inspectRuntimeFolder(cudaRuntimeDir(dataDir, version), version).state === 'complete'
}

/** The facts about this machine for onnxruntime's `listSupportedBackends()` result. */
export function machineProviderFacts(backends: ProviderFacts['backends']): ProviderFacts {
  let installed: boolean | null = null
  return {
    platform: process.platform,
    arch: process.arch,
    backends,
    hasProviderLibrary: (name) => hasProviderLibraryOnDisk(name) || ((name === 'cuda' || name === 'tensorrt') && (installed ??= installedCudaRuntimeComplete())),
    ...(process.platform === 'linux' ? { gpuDevicePresent: linuxGpuDevicePresent() } : {}),
  }
}
