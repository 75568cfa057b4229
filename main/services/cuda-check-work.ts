// "Proves the provider": a session on a tiny Add graph with the CUDA provider alone (no CPU
// fallback), run once and checked, on the runtime installed in the data folder. It runs in a
// `cuda-check` job process: a faulty driver that crashes onnxruntime takes down that process only.
// A failure says what CUDA 12 lacks here (the driver version, the CUDA 12 runtime, cuDNN 9), since
// onnxruntime itself names only the first library the loader could not find.
import { z } from 'zod'
import type { CudaCheckResult } from '../contract'
import { activeRuntimeFolder, useInstalledCudaRuntime } from '../runtime/binding-redirect'
import { checkCudaRequirements, readCudaMachine } from '../runtime/cuda-requirements'
import { probeExpected, probeModelBytes, runOnce, sameValues } from '../runtime/probe-model'

export const CudaCheckRequest = z.object({ dataDir: z.string().min(1) })
export type CudaCheckRequest = z.infer<typeof CudaCheckRequest>

/** Creating a CUDA context can take seconds on a cold GPU; a minute means something hangs. */
const CHECK_TIMEOUT_MS = 60_000

export async function checkCudaSupport(request: CudaCheckRequest): Promise<CudaCheckResult> {
  const use = useInstalledCudaRuntime(request.dataDir)
  if (!use.used) {
    const why = use.why === 'not-linux-x64' ? 'the app installs CUDA support only on Linux x64' : use.why.state === 'unusable' ? use.why.problem : `it is not installed (${use.folder} does not exist)`
    return { ok: false, folder: null, message: `CUDA support cannot be checked: ${why}.` }
  }
  const folder = activeRuntimeFolder()
  const ort = await import('onnxruntime-node')
  const began = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS)
    })
    const output = await Promise.race([runOnce(ort, 'cuda', probeModelBytes()), timeout])
    if (!sameValues(output, probeExpected)) return { ok: false, folder, message: `A CUDA session ran but computed [${[...output].join(', ')}] instead of [${probeExpected.join(', ')}]: the GPU or its driver is faulty.` }
    return { ok: true, folder, message: `CUDA works: a session opened on the GPU and ran a test graph in ${Math.round(performance.now() - began)} ms.` }
  } catch (error) {
    const said = ((error as Error).message ?? String(error)).split('\n')[0].trim()
    const missing = checkCudaRequirements(readCudaMachine()).problem
    const next = missing ?? 'The NVIDIA driver, the CUDA 12 runtime and cuDNN 9 were all found: check that the GPU is visible to this user (nvidia-smi), then run the check again.'
    return { ok: false, folder, message: `A CUDA session did not open (${said}). ${next}` }
  } finally {
    clearTimeout(timer)
  }
}
