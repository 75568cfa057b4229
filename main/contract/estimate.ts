import { z } from 'zod'
import { QUANTIZE_SCHEMES, RunConfig } from './run-config'

export const RunsEstimateInput = z.object({ config: RunConfig }).strict()

/**
 * A run configuration timed on this machine (main/train/measure-step.ts): its preparation and a
 * few of its steps, trained as the run would train them.
 */
export const StepTiming = z.object({
  /** Where it trained, as the Run page says it ("cpu, float32"). */
  device: z.string(),
  provider: z.string(),
  /** A job process's start, the data read and tokenized, the sessions built. */
  startupSeconds: z.number().nonnegative(),
  /** The first step, which also builds kernels and caches. */
  firstStepSeconds: z.number().nonnegative(),
  /** The median of the steps after it. */
  secondsPerStep: z.number().nonnegative(),
  /** One pass over the validation set; null without one. */
  evalSeconds: z.number().nonnegative().nullable(),
  /** Writing one checkpoint. */
  checkpointSeconds: z.number().nonnegative(),
  stepsTimed: z.number().int().nonnegative(),
  measuredAt: z.string(),
})
export type StepTiming = z.infer<typeof StepTiming>

/** One term of the memory estimate, in bytes, with how it was computed. */
export const MemoryTerm = z.object({ label: z.string(), bytes: z.number(), formula: z.string() })

/**
 * What a run configuration costs, before it is started. The parameter count is exact (the
 * adapter is built against the model's own graph); memory and time are estimates whose
 * formulas come with the answer.
 */
export const RunEstimate = z.object({
  /** Adapter (and router) parameters that train. */
  trainableParameters: z.number().int(),
  baseParameters: z.number().int(),
  /** trainable / base, in percent (the paper's headline figure). */
  trainablePercent: z.number(),
  /** Sites adapted, e.g. 72 = 24 layers × k, v, ffn. */
  sites: z.number().int(),
  /** Tokens per optimizer step assumed: batch × accumulation × sequence length. */
  tokensPerStep: z.number(),
  /** Sequence length assumed (the dataset's 90th percentile when it was imported with this model, else max_length). */
  sequenceLength: z.number().int(),
  memory: z.object({ totalBytes: z.number(), terms: z.array(MemoryTerm) }),
  /**
   * The frozen weights (the memory's base weights term) as model.quantize holds them, beside what
   * they take unquantized at the same precision: the saving the Cost panel shows.
   */
  frozenWeights: z.object({ quantize: z.enum(QUANTIZE_SCHEMES), bytes: z.number(), unquantizedBytes: z.number() }),
  time: z.object({
    secondsPerStep: z.number(),
    /** Seconds for all of the run's steps (train.max_steps, or train.epochs over the imported dataset's examples). */
    totalSeconds: z.number(),
    /**
     * `measured-step`: this configuration timed on this machine (runsMeasureStep), fixed costs
     * included; `measured`: tokens/s of an earlier run on this model; `nominal`: FLOPs over an
     * assumed device throughput.
     */
    basis: z.enum(['measured-step', 'measured', 'nominal']),
    formula: z.string(),
  }),
  /** What the estimate could not take into account. */
  notes: z.array(z.string()),
  /** Whether runsMeasureStep can time this configuration here (its model and data files exist). */
  measurable: z.boolean(),
})
export type RunEstimate = z.infer<typeof RunEstimate>
