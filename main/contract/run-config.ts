import { z } from 'zod'
import { adapterConfigSchema } from '../engine/adapters/config'

/**
 * The run configuration (DESIGN.md "Run configuration"): one schema shared by
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

export const TrainConfig = z
  .object({
    optimizer: z.enum(['adamw', 'adafactor', 'sgd']).default('adamw'),
    lr: z.number().positive().max(10).default(3e-4),
    weight_decay: z.number().min(0).default(0),
    schedule: z.enum(['constant', 'linear', 'cosine']).default('constant'),
    warmup_steps: z.number().int().min(0).default(0),
    batch_size: z.number().int().min(1).max(4096).default(8),
    grad_accum: z.number().int().min(1).max(1024).default(1),
    max_steps: z.number().int().min(1).default(1000),
    max_grad_norm: z.number().positive().nullable().default(1.0),
    seed: z.number().int().min(0).default(42),
    eval_every: z.number().int().min(1).default(100),
    save_every: z.number().int().min(1).default(200),
    precision: z.enum(['auto', 'fp32', 'fp16', 'bf16']).default('auto'),
  })
  .strict()

export const RunConfig = z
  .object({
    name: z.string().min(1).max(200).optional(),
    model: z.string().min(1, 'give a model folder'),
    data: DataConfig,
    adapter: adapterConfigSchema,
    train: TrainConfig.default(TrainConfig.parse({})),
    device: z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml']).default('auto'),
  })
  .strict()

/** What a user writes (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfig>
/** After validation, every default filled in. */
export type RunConfig = z.output<typeof RunConfig>
