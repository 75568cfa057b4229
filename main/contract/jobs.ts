import { z } from 'zod'
import { ApiError } from './errors'
import { ExecutionProviderStatus } from './system'
import { TransferProgress } from './hub'

/**
 * What a job process can do.
 * - `system-probe`: tries every onnxruntime execution provider on a tiny model and reports
 *   which ones really run here (the live answer behind systemInfo's static facts).
 * - `selftest-wait`: diagnostics only. Does nothing but report progress once a second for
 *   up to 60 s, so that cancellation and crash detection of job processes can be checked
 *   on a user's machine (and by our tests) without starting real work.
 * - `train`: trains one run (started by runsStart / runsResume, which pass the run id); the
 *   process owns its run's record in the store and streams `onRunEvent`s.
 * - `generate`: one prompt through a base model and base + adapter (playgroundGenerate waits
 *   for its result); onnxruntime blocks the thread it runs on, so not in main.
 * - `dataset-import`: datasetsImport's reading, checking and tokenising of a file (and its
 *   validation file), which records the dataset itself at its end; `dataset-preview`:
 *   datasetsPreview of a large file; `export`: runsExport. Their calls wait for the result, and
 *   main's thread keeps answering meanwhile (a 200k-row import in main held every call for seconds).
 * - `evaluate`: scores one evaluation (evaluationsCreate, which passes its id); the process
 *   writes the evaluation's cells as they finish and its final status.
 * - `hub-download`: hubDownload's fetch of a model's or a dataset's files from the Hub into the HF
 *   cache (resumable: a Stop keeps the part files), which registers a model at its end.
 * - `cuda-install`: systemInstallCuda's download of onnxruntime's CUDA provider libraries into the
 *   data folder (a Stop removes what was begun); `cuda-check`: systemCheckCuda's CUDA session on
 *   them, in its own process so that a faulty driver cannot take the app down.
 */
export const JobKind = z.enum(['system-probe', 'selftest-wait', 'train', 'generate', 'dataset-import', 'dataset-preview', 'export', 'evaluate', 'hub-download', 'cuda-install', 'cuda-check', 'step-timing', 'cpu-rate'])
export type JobKind = z.infer<typeof JobKind>

export const JobState = z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted'])
export type JobState = z.infer<typeof JobState>

/** Events a job process streams to main, forwarded to the renderer as `onJobEvent`. */
export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), jobId: z.string(), kind: JobKind, pid: z.number().int() }),
  z.object({ type: z.literal('log'), jobId: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({
    type: z.literal('progress'), jobId: z.string(), done: z.number(), total: z.number(), label: z.string(),
    /** A download's figures (file, bytes, rate, ETA), for a page that shows more than the label. */
    transfer: TransferProgress.optional(),
  }),
  z.object({ type: z.literal('result'), jobId: z.string(), data: z.unknown() }),
  z.object({
    type: z.literal('ended'),
    jobId: z.string(),
    state: JobState,
    error: z.string().nullable(),
    /** Last lines of the process's stderr when it died unexpectedly. */
    lastWords: z.string().nullable(),
  }),
])
export type JobEvent = z.infer<typeof JobEvent>

export const JobInfo = z.object({
  id: z.string(),
  kind: JobKind,
  state: JobState,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
  /**
   * For a failed job that said what kind of error it was (an ApiError code): a service that
   * waits for the job answers with the job's error as its own (e.g. invalid_input naming a bad row).
   */
  errorCode: ApiError.shape.code.optional(),
  result: z.unknown().optional(),
})
export type JobInfo = z.infer<typeof JobInfo>

/** The `result` data of a `system-probe` job. */
export const SystemProbeResult = z.object({
  onnxruntime: z.string(),
  providers: z.array(ExecutionProviderStatus),
  /** Providers onnxruntime listed that this version of Mixture Studio does not know. */
  skipped: z.array(z.string()),
})
export type SystemProbeResult = z.infer<typeof SystemProbeResult>
