import { z } from 'zod'

/**
 * The run configuration (DESIGN.md "Run configuration"): one schema shared by
 * `mixture-studio train --config`, the New run form and the run store. Objects are strict:
 * an unknown field is an error naming it, never silently ignored.
 */

export const AdapterMethod = z.enum(['mov', 'molora', 'ia3', 'lora'])
export type AdapterMethod = z.infer<typeof AdapterMethod>

/** (IA)³/MoV act on keys, values and the FFN activation; LoRA/MoLoRA on projections. */
export const ACTIVATION_SITES = ['k', 'v', 'ffn'] as const
export const PROJECTION_SITES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const
export const DEFAULT_SITES: Record<AdapterMethod, readonly string[]> = {
  ia3: ['k', 'v', 'ffn'],
  mov: ['k', 'v', 'ffn'],
  // METHOD.md: the reference adapts q,k,v,o and the FFN's gate (wi_0) and down (wo) projections.
  lora: ['q', 'k', 'v', 'o', 'gate', 'down'],
  molora: ['q', 'k', 'v', 'o', 'gate', 'down'],
}

export const DataConfig = z
  .object({
    train: z.string().min(1, 'give the training data file'),
    /** A separate validation file; or use `split`. */
    validation: z.string().min(1).nullable().default(null),
    /** Held-out share of `train` (0 < f < 1) or a count of examples (an integer >= 1). */
    split: z.number().positive().nullable().default(null),
    format: z.enum(['auto', 'alpaca', 'chat', 'prompt_completion', 'text']).default('auto'),
    max_length: z.number().int().min(8).max(1_048_576).default(512),
    train_on_prompt: z.boolean().default(false),
    shuffle: z.boolean().default(true),
  })
  .strict()
  .refine((d) => !(d.validation && d.split), { message: 'give either data.validation or data.split, not both', path: ['split'] })
  .refine((d) => d.split === null || d.split < 1 || Number.isInteger(d.split), { message: 'a split of 1 or more is a count of examples and must be an integer', path: ['split'] })

export const AdapterConfig = z
  .object({
    method: AdapterMethod,
    /** Experts per site (MoV, MoLoRA). The paper used MoV 10/30/60 and MoLoRA 2/10/15. */
    experts: z.number().int().min(1).max(256).default(10),
    /** LoRA/MoLoRA rank. */
    rank: z.number().int().min(1).max(1024).default(4),
    alpha: z.number().positive().default(16),
    /** Keep only the k most probable experts (paper ablation); null = soft merge of all. */
    top_k: z.number().int().min(1).nullable().default(null),
    /** Renormalise the kept top-k probabilities (the reference code does not). */
    renormalize: z.boolean().default(false),
    /** Coefficient of the Switch-style load-balancing loss; 0 = off (as in the reference). */
    load_balance: z.number().min(0).default(0),
    /** Where the adapter acts; null = the method's default sites. */
    sites: z.array(z.string()).min(1).nullable().default(null),
    /** An adapter folder (native format) to start from. */
    init: z.string().min(1).nullable().default(null),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.top_k !== null && a.top_k > a.experts) ctx.addIssue({ code: 'custom', path: ['top_k'], message: `top_k (${a.top_k}) cannot exceed experts (${a.experts})` })
    if (a.sites) {
      const allowed: readonly string[] = a.method === 'ia3' || a.method === 'mov' ? ACTIVATION_SITES : PROJECTION_SITES
      a.sites.forEach((s, i) => {
        if (!allowed.includes(s)) ctx.addIssue({ code: 'custom', path: ['sites', i], message: `unknown site "${s}" for ${a.method}; choose from ${allowed.join(', ')}` })
      })
    }
  })

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
    adapter: AdapterConfig,
    train: TrainConfig.default(TrainConfig.parse({})),
    device: z.enum(['auto', 'cpu', 'cuda', 'webgpu', 'dml']).default('auto'),
  })
  .strict()

/** What a user writes (defaults optional). */
export type RunConfigInput = z.input<typeof RunConfig>
/** After validation, every default filled in. */
export type RunConfig = z.output<typeof RunConfig>

/** The sites a configuration adapts, with the method's defaults applied. */
export function effectiveSites(adapter: z.output<typeof AdapterConfig>): readonly string[] {
  return adapter.sites ?? DEFAULT_SITES[adapter.method]
}
