import type { ExecutionProviderStatus, SystemProbeResult } from '../../contract'
import { checkCudaRequirements, readCudaMachine } from '../../runtime/cuda-requirements'
import { explainProviderFailure, hasProviderLibraryOnDisk, isKnownProvider, linuxGpuDevicePresent, SOFTWARE_WEBGPU_REASON, type ProviderName } from '../../runtime/execution-providers'
import { probeExpected, probeModelBytes, runOnce, sameValues } from '../../runtime/probe-model'
import type { JobMain } from './job-context'

/** A provider that cannot find its device may wait on drivers; don't let it hold up the rest. */
const PER_PROVIDER_TIMEOUT_MS = 30_000

/**
 * Creates a session on a tiny Add model with each provider alone (no silent CPU fallback),
 * runs it once and checks the answer. A provider that cannot do that is reported with
 * the reason onnxruntime gave.
 */
export const systemProbe: JobMain = async (context) => {
  const ort = await import('onnxruntime-node')
  const listed = ort.listSupportedBackends().map((backend) => backend.name)
  const names = listed.filter(isKnownProvider)
  const skipped = listed.filter((name) => !isKnownProvider(name))
  if (skipped.length > 0) context.log('warn', `not probing providers this version does not know: ${skipped.join(', ')}`)

  const model = probeModelBytes()
  const providers: ExecutionProviderStatus[] = []
  for (const [index, name] of names.entries()) {
    context.progress(index, names.length, `trying ${name}`)
    const status = await probeProvider(ort, name, model)
    context.log(status.available ? 'info' : 'warn', `${name}: ${status.reason}`)
    providers.push(status)
  }
  context.progress(names.length, names.length, 'done')
  const result: SystemProbeResult = { onnxruntime: ort.env.versions.node ?? 'unknown', providers, skipped }
  return result
}

type Ort = typeof import('onnxruntime-node')

async function probeProvider(ort: Ort, name: ProviderName, model: Uint8Array): Promise<ExecutionProviderStatus> {
  const began = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PER_PROVIDER_TIMEOUT_MS / 1000} s`)), PER_PROVIDER_TIMEOUT_MS)
    })
    const output = await Promise.race([runOnce(ort, name, model), timeout])
    const ms = Math.round(performance.now() - began)
    if (!sameValues(output, probeExpected)) {
      return { name, available: false, reason: `ran but computed [${[...output].join(', ')}] instead of [${probeExpected.join(', ')}]` }
    }
    const ran = `created a session and ran a test model in ${ms} ms`
    // It works, but on a software Vulkan driver: say so, as `device: auto` will not use it.
    if (name === 'webgpu' && process.platform === 'linux' && !linuxGpuDevicePresent()) return { name, available: true, reason: `${ran}, but ${SOFTWARE_WEBGPU_REASON}` }
    return { name, available: true, reason: ran }
  } catch (error) {
    const message = (error as Error).message ?? String(error)
    // The provider library is here (installed from the System page, or by npm) and did not load:
    // what it needs from the machine is missing, which onnxruntime names one library at most of.
    if (name === 'cuda' && process.platform === 'linux' && hasProviderLibraryOnDisk('cuda')) {
      const missing = checkCudaRequirements(readCudaMachine()).problem
      if (missing) return { name, available: false, reason: `${message.split('\n')[0].trim()} — ${missing}` }
    }
    return { name, available: false, reason: explainProviderFailure(name, message) }
  } finally {
    clearTimeout(timer)
  }
}
