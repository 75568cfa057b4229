import { z } from 'zod'
import { adapterConfigSchema } from '../engine/adapters/config'

/**
 * The run configuration (docs/DESIGN.md "Run configuration"): one schema shared by
 * `mixture-studio train --config`, the New run form and the run store. Objects are strict:
 * an unknown field is an error naming it, never silently ignored. The `adapter` section is
 * the engine's own schema (main/engine/adapters/config.ts, pure zod): one source of truth for
 * every method's fields, defaults and checks.
 */

export const DataConfig = z
  .object({
    train: z.string().min(1, 'give the training data file'),
    /** A separate validation file; or use `split`. */
    validation: z.string().min(1).nullable().default(null),
    /** Held-out share of `train` (0 < f < 1) or a count of examples (an integer >= 1). */
    split: z.number().positive().nullable().default(null),
    format: z.enum(['auto', 'alpaca', 'chat', 'prompt_completion', 'multiple_choice', 'text']).default('auto'),
    /**
     * Which column holds each field of the format ({ prompt: question, completion: answer }), over
     * the detected mapping; what the Datasets wizard settled on travels here with the dataset.
     */
    mapping: z.record(z.string().min(1), z.string().min(1)).default({}),
    max_length: z.number().int().min(8).max(1_048_576).default(512),
    train_on_prompt: z.boolean().default(false),
    shuffle: z.boolean().default(true),
    /**
     * Pack several whole examples end to end into each row (decoder-only models): attention stays
     * inside each example, and a step trains on as many examples as fit in batch_size rows.
     */
    packing: z.boolean().default(false),
  })
  .strict()
  .refine((d) => !(d.validation && d.split), { message: 'give either data.validation or data.split, not both', path: ['split'] })
  .refine((d) => d.split === null || d.split < 1 || Number.isInteger(d.split), { message: 'a split of 1 or more is a count of examples and must be an integer', path: ['split'] })

/** Steps trained when a configuration gives neither train.max_steps nor train.epochs. */
export const DEFAULT_MAX_STEPS = 1000

/** A name of an eval set: it becomes part of a metric name (accuracy.<name>) and of file names. */
const EVAL_SET_NAME = /^[A-Za-z0-9_.-]+$/

/**
 * Stop a run once its monitored metric stopped improving: after `patience` evaluations in a row
 * that did not beat the best value by more than `min_delta`. eval_loss improves downwards,
 * accuracy.<set> upwards.
 */
export const EarlyStoppingConfig = z
  .object({
    metric: z
      .string()
      .regex(/^(eval_loss|accuracy\.[A-Za-z0-9_.-]+)$/, "the metric is eval_loss or accuracy.<name of an eval set> (e.g. accuracy.arc)"),
    patience: z.number().int().min(1),
    min_delta: z.number().min(0).default(0),
  })
  .strict()

export const TrainConfig = z
  .object({
    optimizer: z.enum(['adamw', 'adafactor', 'sgd']).default('adamw'),
    lr: z.number().positive().max(10).default(3e-4),
    weight_decay: z.number().min(0).default(0),
    schedule: z.enum(['constant', 'linear', 'cosine']).default('constant'),
    warmup_steps: z.number().int().min(0).default(0),
    batch_size: z.number().int().min(1).max(4096).default(8),
    grad_accum: z.number().int().min(1).max(1024).default(1),
    /**
     * Optimizer steps to train. Null (not given) with train.epochs: the count follows from the data
     * once it is read (runs.total_steps); with neither, DEFAULT_MAX_STEPS.
     */
    max_steps: z.number().int().min(1).nullable().default(null),
    /** Passes over the training data (2.5: two and a half); the run's step count is known once its data is read. */
    epochs: z.number().positive().max(1000).nullable().default(null),
    max_grad_norm: z.number().positive().nullable().default(1.0),
    seed: z.number().int().min(0).default(42),
    eval_every: z.number().int().min(1).default(100),
    save_every: z.number().int().min(1).default(200),
    precision: z.enum(['auto', 'fp32', 'fp16', 'bf16']).default('auto'),
    early_stopping: EarlyStoppingConfig.nullable().default(null),
    /**
     * Recompute each transformer block's forward in the backward pass instead of keeping its
     * activations (engine/autodiff/recompute.ts): the same gradients, far less memory for long
     * sequences, the blocks' forward computed twice.
     */
    gradient_checkpointing: z.boolean().default(false),
  })
  .strict()
  .refine((t) => t.max_steps === null || t.epochs === null, {
    message: 'give either train.max_steps or train.epochs, not both (epochs count the steps from the data)',
    path: ['epochs'],
  })
  // Neither given: a fixed count, as before epochs existed. Refinements keep the object schema
  // (the New run form reads its fields), which a transform would not.
  .overwrite((t) => (t.max_steps === null && t.epochs === null ? { ...t, max_steps: DEFAULT_MAX_STEPS } : t))

/**
 * What the run evaluates while it trains besides the validation loss (built in run-training.ts):
 * accuracy on multiple-choice files and greedy answers to fixed prompts, at every eval point.
 */
export const EvalConfig = z
  .object({
    /** Multiple-choice files ({"prompt","choices","answer"} rows), each scored as accuracy.<name>. */
    sets: z
      .array(
        z
          .object({
            name: z.string().min(1).max(64).regex(EVAL_SET_NAME, 'an eval set name uses letters, digits, _, - and . only'),
            data: z.string().min(1, 'give the multiple-choice file of this eval set'),
          })
          .strict(),
      )
      .default([])
      .superRefine((sets, ctx) => {
        const twice = sets.map((s) => s.name).find((name, i, names) => names.indexOf(name) !== i)
        if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `eval set ${twice} is named twice: each set needs its own name (its metric is accuracy.<name>)` })
      }),
    /** Prompts answered greedily at every eval point (what the adapter says, not only a number). */
    prompts: z.array(z.string().min(1, 'an eval prompt is empty')).max(20, 'at most 20 eval prompts').default([]),
    max_new_tokens: z.number().int().min(1).max(512).default(48),
    /** Rank choices by their per-token mean log-likelihood instead of the sum. */
    length_normalize: z.boolean().default(false),
  })
  .strict()

/**
 * How the frozen base is held: as stored (`none`), or its projection and embedding weights
 * quantized blockwise to 8 or 4 bits (main/models/quantized), the adapter still trained in float32.
 */
export const QUANTIZE_SCHEMES = ['none', 'int8', 'int4'] as const
export type QuantizeScheme = (typeof QUANTIZE_SCHEMES)[number]

/** `model` written in full: the folder and how its frozen weights are held. */
export const ModelObject = z
  .object({
    path: z.string().min(1, 'give a model folder'),
    quantize: z.enum(QUANTIZE_SCHEMES).default('none'),
  }, { error: (issue) => (issue.code === 'invalid_type' ? 'give a model folder, or { path: FOLDER, quantize: none | int8 | int4 }' : undefined) })
  .strict()

/**
 * The run's model: a folder (the shorthand every configuration written before model.quantize
 * uses, read as { path, quantize: none }) or { path, quantize }. Always { path, quantize } once
 * parsed, so nothing downstream tells the two apart.
 */
export const ModelConfig = z.preprocess(
  (value: string | z.input<typeof ModelObject>, ctx) => {
    if (typeof value !== 'string') return value
    // The shorthand's own words, at `model` itself: the user wrote no `path`.
    if (value === '') ctx.addIssue({ code: 'custom', message: 'give a model folder' })
    return { path: value }
  },
  ModelObject,
)
export type ModelConfigInput = z.input<typeof ModelConfig>
export type ModelConfig = z.output<typeof ModelConfig>

export const RunConfig = z
  .object({
    name: z.string().min(1).max(200).optional(),
    model: ModelConfig,
    data: DataConfig,
    adapter: adapterConfigSchema,
    train: TrainConfig.default(TrainConfig.parse({})),
    eval: EvalConfig.default(EvalConfig.parse({})),
    device: z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml']).default('auto'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const stopping = config.train.early_stopping
    if (!stopping) return
    const path = ['train', 'early_stopping', 'metric']
    if (stopping.metric === 'eval_loss' && !config.data.validation && config.data.split === null) {
      ctx.addIssue({ code: 'custom', path, message: 'early stopping on eval_loss needs validation data: set data.validation or data.split, or monitor an accuracy.<eval set>' })
    }
    const set = stopping.metric.startsWith('accuracy.') ? stopping.metric.slice('accuracy.'.length) : null
    if (set !== null && !config.eval.sets.some((s) => s.name === set)) {
      const names = config.eval.sets.map((s) => s.name)
      ctx.addIssue({
        code: 'custom',
        path,
        message: `${stopping.metric} names no eval set: ${names.length ? `eval.sets has ${names.join(', ')}` : 'eval.sets is empty'}; add { name: ${set}, data: FILE } to eval.sets or monitor another metric`,
      })
    }
  })

/** What a user writes (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfig>
/** After validation, every default filled in. */
export type RunConfig = z.output<typeof RunConfig>
