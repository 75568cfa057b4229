// zod fields that several methods' configs share, so that one option is spelled, bounded and
// documented once. Field names follow the run configuration (docs/DESIGN.md "Run configuration").
import { z } from 'zod'
import { PEFT_PROJECTION_ALIASES, PROJECTION_NAMES, PROJECTION_SITE_SPELLINGS, projectionSiteOf } from '../names'

/**
 * (IA)³ / MoV sites: `k` and `v` (keys and values after their projections, per head), `ffn`
 * (the FFN's activated branch). `keys` and `values` are accepted as spellings of k and v.
 */
export const ACTIVATION_SITE_NAMES = ['k', 'v', 'ffn'] as const
export type ActivationSiteName = (typeof ACTIVATION_SITE_NAMES)[number]

const activationSite = z
  .enum(['k', 'v', 'ffn', 'keys', 'values'], { error: () => `must be one of k, v, ffn (the (IA)³/MoV sites: keys, values, FFN activation)` })
  .transform((s): ActivationSiteName => (s === 'keys' ? 'k' : s === 'values' ? 'v' : s))

const projectionSite = z.enum(PROJECTION_SITE_SPELLINGS, {
  error: () => `must be a projection name: ${PROJECTION_NAMES.join(', ')} (or PEFT's ${Object.keys(PEFT_PROJECTION_ALIASES).join(', ')})`,
})

function unique<T>(list: readonly T[]): boolean {
  return new Set(list).size === list.length
}

/** `sites` for (IA)³ and MoV; null (the default) means every activation site: k, v, ffn. */
export const activationSites = z
  .array(activationSite)
  .min(1, 'list at least one site, or leave sites out for k, v, ffn')
  .refine(unique, 'lists a site twice')
  .nullable()
  .default(null)

/**
 * `sites` for LoRA and MoLoRA; null (the default) means the projections the MoLoRA reference
 * code adapts (docs/METHOD.md): attention q, k, v, o and the FFN's input (activated branch) and
 * output projections, in each architecture's names. PEFT's names are kept as written (the
 * attachment checks them against the model's modules); q and q_proj together list q twice.
 */
export const projectionSites = z
  .array(projectionSite)
  .min(1, 'list at least one projection, or leave sites out for the docs/METHOD.md default')
  .refine(unique, 'lists a site twice')
  .refine((list) => unique(list.map(projectionSiteOf)), 'lists a site twice (a PEFT name and ours for the same projection)')
  .nullable()
  .default(null)

/** The docs/METHOD.md default projection sites, per architecture: Llama q,k,v,o,gate,down; T5 q,k,v,o,wi_0,wo; GPT-2 all four. */
export const DEFAULT_PROJECTION_SITES: readonly string[] = ['q', 'k', 'v', 'o', 'gate', 'down', 'wi_0', 'wo', 'c_attn', 'c_proj', 'c_fc', 'mlp_c_proj']

/** Number of experts E per site. */
export const experts = (defaultValue: number) => z.number().int().min(1).max(1024).default(defaultValue)

/** LoRA rank r. */
export const rank = (defaultValue: number) => z.number().int().min(1).max(4096).default(defaultValue)

/** LoRA scaling numerator: the update is scaled by alpha / rank (docs/METHOD.md: α = 16). */
export const alpha = z.number().positive().default(16)

/** Standard deviation of the normal init of LoRA A matrices and routers (docs/METHOD.md: N(0, 0.02)). */
export const initStd = z.number().positive().max(1).default(0.02)

/**
 * Keep only the k most probable experts per token (zero the rest); null = soft merging over
 * all experts, the method's default and point (docs/METHOD.md, MoV).
 */
export const topK = z.number().int().min(1).nullable().default(null)

/** With top_k: divide the kept probabilities by their sum. Off by default, as in the reference code. */
export const renormalize = z.boolean().default(false)

/** Switch-style load-balancing loss E·Σ f_e·P_e, scaled by this coefficient and added to the loss; 0 = off. */
export const loadBalancingCoefficient = z.number().min(0).default(0)

/** An adapter folder to start from instead of the method's init (the trainer loads it). */
export const initFrom = z.string().min(1).nullable().default(null)

/** Rejects a top_k larger than the number of experts, naming both. */
export function checkTopK(config: { experts: number; top_k: number | null }, ctx: z.RefinementCtx): void {
  if (config.top_k !== null && config.top_k > config.experts) {
    ctx.addIssue({ code: 'custom', path: ['top_k'], message: `top_k ${config.top_k} exceeds experts ${config.experts}; use at most ${config.experts}, or null for soft merging` })
  }
}
