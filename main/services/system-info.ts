import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { arch, cpus, freemem, platform, release, totalmem } from 'node:os'
import type { SystemInfo } from '../contract'
import { describeAutoDevice } from '../runtime/auto-device'
import { bundledBindingDir, cudaRuntimeDir, inspectRuntimeFolder, onnxruntimeVersion } from '../runtime/cuda-runtime-folder'
import { hasNvidiaGpu, readCudaMachine } from '../runtime/cuda-requirements'
import { describeProviders, machineProviderFacts, type ProviderFacts } from '../runtime/execution-providers'
import { describeCudaSupport } from './cuda-support'

/**
 * Facts about this machine that need no GPU work. Providers are what onnxruntime lists
 * plus the platform rules; the `system-probe` job tries them for real.
 */
export async function collectSystemInfo(context: { appVersion: string; dataDir: string }): Promise<SystemInfo> {
  const ort = await import('onnxruntime-node')
  const cpuList = cpus()
  const linuxX64 = process.platform === 'linux' && process.arch === 'x64'
  const machine = linuxX64 ? readCudaMachine() : null
  const version = onnxruntimeVersion()
  const folder = linuxX64 ? cudaRuntimeDir(context.dataDir, version) : null
  const folderState = folder ? inspectRuntimeFolder(folder, version) : ({ state: 'absent' } as const)
  const facts = machineProviderFacts(ort.listSupportedBackends())
  // Runs and probes are job processes, which load the data folder's runtime when it is complete
  // (binding-redirect.ts), even where this process started before it was installed.
  const forJobs: ProviderFacts = {
    ...facts,
    hasProviderLibrary: (name) => facts.hasProviderLibrary(name) || (folderState.state === 'complete' && (name === 'cuda' || name === 'tensorrt')),
  }
  return {
    appVersion: context.appVersion,
    os: { platform: platform(), release: release(), arch: arch() },
    cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length },
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    node: process.versions.node,
    onnxruntime: ort.env.versions.node ?? 'unknown',
    providers: describeProviders(forJobs),
    autoDevice: describeAutoDevice(forJobs, machine ? { nvidiaGpu: hasNvidiaGpu(machine) } : {}),
    cuda: describeCudaSupport({
      platform: process.platform, arch: process.arch, besideOnnxruntime: linuxX64 && hasBundledCudaLibrary(), folder, folderState, machine,
    }),
    dataDir: context.dataDir,
  }
}

/** The provider library in onnxruntime-node's own folder (not the data folder's). */
function hasBundledCudaLibrary(): boolean {
  return existsSync(join(bundledBindingDir(), 'libonnxruntime_providers_cuda.so'))
}
