import { arch, cpus, freemem, platform, release, totalmem } from 'node:os'
import type { SystemInfo } from '../contract'
import { describeProviders, machineProviderFacts } from '../runtime/execution-providers'

/**
 * Facts about this machine that need no GPU work. Providers are what onnxruntime lists
 * plus the platform rules; the `system-probe` job tries them for real.
 */
export async function collectSystemInfo(context: { appVersion: string; dataDir: string }): Promise<SystemInfo> {
  const ort = await import('onnxruntime-node')
  const cpuList = cpus()
  return {
    appVersion: context.appVersion,
    os: { platform: platform(), release: release(), arch: arch() },
    cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length },
    memory: { totalBytes: totalmem(), freeBytes: freemem() },
    node: process.versions.node,
    onnxruntime: ort.env.versions.node ?? 'unknown',
    providers: describeProviders(machineProviderFacts(ort.listSupportedBackends())),
    dataDir: context.dataDir,
  }
}
