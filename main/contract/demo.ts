// The demo in the app: the tiny generated model, the sample dataset and the MoV run that
// `mixture-studio demo` trains, made in the data folder and registered like imported ones.
import { z } from 'zod'
import { DatasetDetail } from './datasets'
import { ModelDetail } from './models'
import { RunConfig } from './run-config'
import { RunSummary } from './runs'

/** Where the demo pieces go in the data folder, and the run the demo trains on them (nothing is made). */
export const DemoPlan = z.object({
  modelPath: z.string(),
  dataPath: z.string(),
  /** The demo's run configuration over those two paths: MoV, 4 experts, tuned to learn visibly in a minute on a CPU. */
  config: RunConfig,
})
export type DemoPlan = z.infer<typeof DemoPlan>

export const DemoModelMade = z.object({
  model: ModelDetail,
  /** False when its files were there already (a second click, or an earlier `mixture-studio demo`). */
  made: z.boolean(),
})
export type DemoModelMade = z.infer<typeof DemoModelMade>

export const DemoDatasetMade = z.object({
  dataset: DatasetDetail,
  made: z.boolean(),
})
export type DemoDatasetMade = z.infer<typeof DemoDatasetMade>

/** The demo's default length: long enough for its loss to fall from ~6.4 to ~2 (about a minute on a CPU). */
export const DEMO_STEPS = 600

export const DemoStartInput = z
  .object({
    steps: z.number().int().positive().max(100_000).default(DEMO_STEPS),
  })
  .strict()

export const DemoStarted = z.object({
  run: RunSummary,
  /** The job training it; null when `reused`: that job was started by an earlier call, or by another process. */
  jobId: z.string().nullable(),
  /** True when a demo run was already queued, starting or running: it is answered instead of a second one. */
  reused: z.boolean(),
})
export type DemoStarted = z.infer<typeof DemoStarted>
