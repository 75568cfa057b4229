import type { JobKind } from '../../contract'
import type { JobMain } from './job-context'

export type { JobContext, JobMain } from './job-context'

/**
 * Loads the code each job kind runs, and only that: an import's process need not load
 * onnxruntime and the engine (seconds of a process start) for the training job beside it.
 * The Record type makes a missing kind a compile error.
 */
export const jobMains: Record<JobKind, () => Promise<JobMain>> = {
  'system-probe': async () => (await import('./system-probe')).systemProbe,
  'selftest-wait': async () => (await import('./selftest-wait')).selftestWait,
  train: async () => (await import('./train')).trainJob,
  generate: async () => (await import('./generate')).generateJob,
  'dataset-import': async () => (await import('./dataset-import')).datasetImportJob,
  'dataset-preview': async () => (await import('./dataset-preview')).datasetPreviewJob,
  export: async () => (await import('./export')).exportJob,
  evaluate: async () => (await import('./evaluate')).evaluateJob,
  'hub-download': async () => (await import('./hub-download')).hubDownloadJob,
  'cuda-install': async () => (await import('./cuda-install')).cudaInstallJob,
  'cuda-check': async () => (await import('./cuda-check')).cudaCheckJob,
  'step-timing': async () => (await import('./step-timing')).stepTimingJob,
  'cpu-rate': async () => (await import('./cpu-rate')).cpuRateJob,
}
