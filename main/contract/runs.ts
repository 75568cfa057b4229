import { z } from 'zod'

/**
 * `queued`: waiting for its device, which another run holds (docs/DESIGN.md "The run queue");
 * `starting`: its training process is on its way.
 */
export const RunStatus = z.enum(['queued', 'starting', 'running', 'completed', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof RunStatus>

export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatus,
  method: z.string().nullable(),
  modelId: z.string().nullable(),
  datasetId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  resumedFrom: z.string().nullable(),
  /** Seconds trained in the run's finished segments (a stopped and resumed run has several). */
  trainingSeconds: z.number().min(0),
  /** When the segment now training began; null unless the run is running. */
  segmentStartedAt: z.string().nullable(),
  /** Where it trains: "webgpu, fp16 frozen products, float32 adapters, batches padded to 8 × 256"; null before its first start. */
  trainedOn: z.string().nullable(),
  /** The steps it trains once its data is read (train.max_steps, or counted from train.epochs); null before. */
  totalSteps: z.number().int().nullable(),
  /** The checkpoint that scored best on its watched metric (early_stopping.metric, else eval_loss); null when none. */
  bestStep: z.number().int().nullable(),
  /** It ended because its watched metric stopped improving, before its last step. */
  stoppedEarly: z.boolean(),
})
export type RunSummary = z.infer<typeof RunSummary>

/**
 * How long a run has trained, over all its segments, as of `now` (the running segment counts
 * up to now); null when it never started. What every page and command shows as its duration.
 */
export function runTrainingSeconds(run: Pick<RunSummary, 'startedAt' | 'trainingSeconds' | 'segmentStartedAt'>, now: Date = new Date()): number | null {
  if (run.startedAt === null) return null
  const running = run.segmentStartedAt === null ? 0 : Math.max(0, (now.getTime() - new Date(run.segmentStartedAt).getTime()) / 1000)
  return run.trainingSeconds + (Number.isFinite(running) ? running : 0)
}

export const RunsListInput = z.object({
  status: RunStatus.optional(),
  limit: z.number().int().positive().max(10_000).default(200),
}).strict()

/** Router statistics of one routed site at a logging step (MoV, MoLoRA). */
export const RouterSiteStats = z.object({
  module: z.string(),
  site: z.string(),
  layer: z.number().int(),
  /** Mean routing probability per expert over real tokens; sums to 1. */
  load: z.array(z.number()),
  /** Mean routing entropy in nats (ln E = uniform, 0 = one expert takes all). */
  entropy: z.number(),
})
export type RouterSiteStats = z.infer<typeof RouterSiteStats>

/** One expert taking at least this share of a site's routing is a collapse (docs/METHOD.md): the Run page warns. */
export const ROUTER_COLLAPSE_LOAD = 0.9

/** What a training run reports as it goes, pushed as `onRunEvent`. */
export const RunEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('step'),
    runId: z.string(),
    step: z.number().int(),
    loss: z.number(),
    lr: z.number(),
    gradNorm: z.number(),
    tokensPerSecond: z.number(),
    etaSeconds: z.number(),
    /** The steps the run trains (known once its data is read). */
    totalSteps: z.number().int(),
    epoch: z.number().int(),
    auxLoss: z.number().nullable(),
    routers: z.array(RouterSiteStats).nullable(),
  }),
  z.object({
    type: z.literal('eval'),
    runId: z.string(),
    step: z.number().int(),
    /** The validation loss; null for a run without validation data (its metrics come from eval.sets). */
    loss: z.number().nullable(),
    tokens: z.number().int(),
    examples: z.number().int(),
    /** Every metric of this evaluation by its stored name (eval_loss, accuracy.<set>). */
    metrics: z.record(z.string(), z.number()),
  }),
  z.object({ type: z.literal('checkpoint'), runId: z.string(), step: z.number().int(), path: z.string() }),
  /** The greedy answers to the run's fixed prompts (eval.prompts) at an eval step. */
  z.object({
    type: z.literal('answers'),
    runId: z.string(),
    step: z.number().int(),
    answers: z.array(z.object({ promptIndex: z.number().int(), prompt: z.string(), answer: z.string() })),
  }),
  z.object({ type: z.literal('log'), runId: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({
    type: z.literal('status'),
    runId: z.string(),
    status: RunStatus,
    error: z.string().nullable(),
    /** The final adapter folder, once the run completed. */
    adapter: z.string().nullable(),
  }),
])
export type RunEvent = z.infer<typeof RunEvent>

export const RunIdInput = z.object({ runId: z.string().min(1) }).strict()

/** A started (or resumed) run and the job process that trains it; no job while it waits in the queue (status `queued`). */
export const RunStarted = z.object({ run: RunSummary, jobId: z.string().nullable() })
export type RunStarted = z.infer<typeof RunStarted>

export const RunCheckpoint = z.object({ step: z.number().int(), path: z.string(), createdAt: z.string() })

/** Where a run brought home from a cluster job came from (`runs import-job`). */
export const RunImportedFrom = z.object({
  /** The job folder it was imported from (absolute), as it was then. */
  folder: z.string(),
  /** job.json's job_id: a job is imported once. */
  jobId: z.string(),
  importedAt: z.string(),
})
export type RunImportedFrom = z.infer<typeof RunImportedFrom>

export const RunDetail = z.object({
  run: RunSummary,
  /** The run configuration as validated (every default filled in). */
  config: z.unknown(),
  /** The run's folder: config, data, checkpoints, adapter. */
  folder: z.string(),
  /** The newest value of every metric. */
  latest: z.record(z.string(), z.object({ step: z.number().int(), value: z.number() })),
  checkpoints: z.array(RunCheckpoint),
  /** The final adapter (native format), once completed. */
  adapter: z.string().nullable(),
  /** The cluster job it was imported from; null for a run trained by this studio. */
  importedFrom: RunImportedFrom.nullable(),
})
export type RunDetail = z.infer<typeof RunDetail>

/** A torchrun job folder (`export --format torchrun`) whose run comes into the history. */
export const RunsImportJobInput = z
  .object({
    /** The job folder: it holds job.json. */
    folder: z.string().min(1, 'give the job folder (it holds job.json)'),
    /** The job's outputs (train.py's --out); default <folder>/out. */
    out: z.string().min(1).optional(),
    /** The run's name; default the exported run's, with "(cluster job)". */
    name: z.string().min(1).optional(),
  })
  .strict()

/** The run a cluster job became. */
export const RunJobImported = z.object({
  run: RunSummary,
  /** The run's folder in the data folder. */
  folder: z.string(),
  jobFolder: z.string(),
  jobId: z.string(),
  /** The last step the job logged. */
  step: z.number().int(),
  /** The steps of its checkpoints, oldest first. */
  checkpoints: z.array(z.number().int()),
  /** The run's adapter, when the job trained to its end (the run is completed). */
  adapter: z.string().nullable(),
  /** Why a job that did not reach its end came home cancelled, and what Resume does with it; null when completed. */
  stopped: z.string().nullable(),
})
export type RunJobImported = z.infer<typeof RunJobImported>

export const RunsMetricsInput = z
  .object({
    runId: z.string().min(1),
    /** Metric names (loss, lr, grad_norm, tokens_per_s, tokens, eval_loss, router.*); all when omitted. */
    names: z.array(z.string().min(1)).optional(),
    /** Only points after this step (for polling a live curve). */
    sinceStep: z.number().int().min(0).optional(),
  })
  .strict()

export const RunMetrics = z.object({ runId: z.string(), series: z.record(z.string(), z.array(z.object({ step: z.number().int(), value: z.number() }))) })
export type RunMetrics = z.infer<typeof RunMetrics>

export const RunsLogInput = z
  .object({
    runId: z.string().min(1),
    /** Only lines after this one (for following a live run). */
    afterId: z.number().int().min(0).optional(),
    /** At most the newest this many lines; every kept line when omitted. */
    limit: z.number().int().positive().max(10_000).optional(),
  })
  .strict()

export const RunLogLine = z.object({
  /** Increasing: ask for the lines after the last one you have. */
  id: z.number().int(),
  at: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string(),
})
export type RunLogLine = z.infer<typeof RunLogLine>

export const RunsAnswersInput = z
  .object({
    runId: z.string().min(1),
    /** Only the answers of steps after this one (for following a live run). */
    sinceStep: z.number().int().min(0).optional(),
  })
  .strict()

/** One greedy answer to one of the run's fixed prompts (eval.prompts) at one eval step. */
export const RunAnswer = z.object({ step: z.number().int(), promptIndex: z.number().int(), prompt: z.string(), answer: z.string() })
export type RunAnswer = z.infer<typeof RunAnswer>

export const RunAnswers = z.object({ runId: z.string(), answers: z.array(RunAnswer) })
export type RunAnswers = z.infer<typeof RunAnswers>

/** A run's stored log, oldest first. A run keeps its newest `maxLines` lines; `total` is how many it holds. */
export const RunLog = z.object({ runId: z.string(), lines: z.array(RunLogLine), total: z.number().int(), maxLines: z.number().int() })
export type RunLog = z.infer<typeof RunLog>

/** The device a run trains on: its `device`, with `auto` resolved as the training process will. */
export const RunDevice = z.enum(['cuda', 'dml', 'webgpu', 'cpu'])
export type RunDevice = z.infer<typeof RunDevice>

/** A run waiting for its device, as the Queue panel shows it. */
export const QueuedRun = z.object({
  runId: z.string(),
  name: z.string(),
  method: z.string().nullable(),
  device: RunDevice,
  /** 1 = the next run to start on its device. */
  position: z.number().int().min(1),
  /** Seconds from now until it is expected to start; null when a run before it has no estimate yet. */
  startsInSeconds: z.number().min(0).nullable(),
  /** The run it waits for (the one that must end first); null when its device has a free place. */
  after: z.object({ runId: z.string(), name: z.string() }).nullable(),
  /** A process other than this studio's queued it (`mixture-studio train`) and starts it itself. */
  queuedElsewhere: z.boolean(),
})
export type QueuedRun = z.infer<typeof QueuedRun>

/** Every queued run, first to start first. */
export const RunQueue = z.object({
  runs: z.array(QueuedRun),
  /** Settings' runsAtOncePerDevice: how many runs train at once on one device. */
  runsAtOncePerDevice: z.number().int().min(1),
})
export type RunQueue = z.infer<typeof RunQueue>

export const RunsQueueMoveInput = z.object({ runId: z.string().min(1), direction: z.enum(['up', 'down']) }).strict()
