// The System page's CUDA set-up: whether "Install CUDA support" is offered (and what CUDA 12 still
// lacks here), and the two calls that start its jobs: `cuda-install` (cuda-install-work.ts) and
// `cuda-check`, a CUDA session on what was installed (cuda-check-work.ts).
import { ApiCallError, type CallOutput, type CudaSupport } from '../contract'
import type { JobRunner } from '../jobs'
import type { RuntimeFolderState } from '../runtime/cuda-runtime-folder'
import { checkCudaRequirements, hasNvidiaGpu, nvidiaDriverVersion, type CudaMachine } from '../runtime/cuda-requirements'
import { nugetFeed, type CudaInstallRequest } from './cuda-install-work'
import type { CudaCheckRequest } from './cuda-check-work'

export interface CudaSupportFacts {
  platform: string
  arch: string
  /** The CUDA provider library sits beside onnxruntime-node's own binding (installed with npm). */
  besideOnnxruntime: boolean
  /** The data folder's runtime folder and its state (Linux x64 only). */
  folder: string | null
  folderState: RuntimeFolderState
  /** Linux x64 only. */
  machine: CudaMachine | null
}

export function describeCudaSupport(facts: CudaSupportFacts): CudaSupport {
  const { machine, folder } = facts
  const driver = machine ? nvidiaDriverVersion(machine) : null
  const base = { folder, driver, missing: null }
  if (facts.platform !== 'linux' || facts.arch !== 'x64' || !machine) {
    const instead = facts.platform === 'win32' ? ' Windows trains on the GPU with DirectML.' : facts.platform === 'darwin' ? ' macOS trains on the GPU with WebGPU on Metal.' : ''
    return { ...base, state: 'other-platform', offered: false, detail: `The app installs CUDA support only on Linux x64.${instead}` }
  }
  const missing = checkCudaRequirements(machine).problem
  if (facts.besideOnnxruntime) return { ...base, missing, state: 'beside-onnxruntime', offered: false, detail: 'The CUDA provider libraries are installed beside onnxruntime-node (npm rebuild with ONNXRUNTIME_NODE_INSTALL=cuda12).' }
  if (facts.folderState.state === 'complete') {
    return { ...base, missing, state: 'installed', offered: false, detail: `CUDA support is installed in ${folder}; new runs and probes load it (${facts.folderState.manifest.package.id} ${facts.folderState.manifest.package.version}).` }
  }
  if (!hasNvidiaGpu(machine)) return { ...base, state: 'no-nvidia-gpu', offered: false, detail: 'No NVIDIA GPU here (no /dev/nvidia0, /proc/driver/nvidia/version or nvidia-smi): CUDA cannot run.' }
  if (facts.folderState.state === 'unusable') return { ...base, missing, state: 'unusable', offered: true, detail: `CUDA support in the data folder cannot be used: ${facts.folderState.problem}. Install it again.` }
  return { ...base, missing, state: 'not-installed', offered: true, detail: `An NVIDIA GPU is here, but onnxruntime's CUDA provider is not installed. Install CUDA support downloads it (a few hundred MB) from NuGet into ${folder}.` }
}

export function createCudaHandlers(dataDir: string, jobs: JobRunner, env: Readonly<Record<string, string | undefined>> = process.env) {
  const refuseElsewhere = () => {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new ApiCallError('invalid_input', `The app installs CUDA support only on Linux x64; this is ${process.platform}/${process.arch}.`)
    }
  }
  return {
    async systemInstallCuda(): Promise<CallOutput<'systemInstallCuda'>> {
      refuseElsewhere()
      const running = jobs.list().find((job) => job.kind === 'cuda-install' && job.state === 'running')
      if (running) throw new ApiCallError('conflict', `CUDA support is being installed already (job ${running.id}); wait for it, or cancel it first.`)
      const request: CudaInstallRequest = { dataDir, feed: nugetFeed(env) }
      return jobs.start('cuda-install', [JSON.stringify(request)])
    },
    async systemCheckCuda(): Promise<CallOutput<'systemCheckCuda'>> {
      refuseElsewhere()
      const request: CudaCheckRequest = { dataDir }
      return jobs.start('cuda-check', [JSON.stringify(request)])
    },
  }
}
