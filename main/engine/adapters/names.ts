// Names that configurations use, with no engine dependency, so that schemas built on them
// (main/engine/adapters/config.ts, the run-config contract) can be imported anywhere.

export const ADAPTER_METHOD_NAMES = ['ia3', 'mov', 'lora', 'molora'] as const
export type AdapterMethodName = (typeof ADAPTER_METHOD_NAMES)[number]

/**
 * Each method's short name, as the app shows it, in the order it offers them: the paper's
 * mixtures first. The registry's `title` (./registry.ts) is the one-line description.
 */
export const ADAPTER_METHOD_LABELS: Readonly<Record<AdapterMethodName, string>> = {
  mov: 'MoV',
  molora: 'MoLoRA',
  ia3: '(IA)³',
  lora: 'LoRA',
}

/**
 * Every projection name a builder may give a ProjectionSite, so that a run configuration can be
 * checked before any model is loaded. Llama/Qwen/Mistral: q, k, v, o, gate, up, down.
 * GPT-2: c_attn, c_proj (attention output), c_fc, mlp_c_proj. T5: q, k, v, o, wi_0, wi_1, wo
 * (T5 v1.0's single `wi` is named wi_0).
 */
export const PROJECTION_NAMES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'c_attn', 'c_proj', 'c_fc', 'mlp_c_proj', 'wi_0', 'wi_1', 'wo'] as const
export type ProjectionName = (typeof PROJECTION_NAMES)[number]

/**
 * PEFT's `target_modules` names for our projection sites, as users write them: the last part of
 * the module path (Llama/Qwen/Mistral's q_proj ... down_proj; T5 v1.0's single `wi`). The names
 * PEFT shares with us (GPT-2's c_attn, c_proj, c_fc; T5's q, k, v, o, wi_0, wi_1, wo) need no
 * entry. An alias stands for its site only where the model's module is called that, so q_proj
 * adapts a Llama's q and is refused on a T5 (common/attachment.ts), as PEFT would find no module.
 */
export const PEFT_PROJECTION_ALIASES = {
  q_proj: 'q',
  k_proj: 'k',
  v_proj: 'v',
  o_proj: 'o',
  gate_proj: 'gate',
  up_proj: 'up',
  down_proj: 'down',
  wi: 'wi_0',
} as const satisfies Record<string, ProjectionName>
export type PeftProjectionAlias = keyof typeof PEFT_PROJECTION_ALIASES

/** Every name `adapter.sites` accepts for LoRA and MoLoRA: ours, then PEFT's. */
export const PROJECTION_SITE_SPELLINGS = [...PROJECTION_NAMES, ...(Object.keys(PEFT_PROJECTION_ALIASES) as PeftProjectionAlias[])] as const

/** The site a spelling stands for: itself, or the projection a PEFT alias names. */
export function projectionSiteOf(spelling: string): string {
  return Object.hasOwn(PEFT_PROJECTION_ALIASES, spelling) ? PEFT_PROJECTION_ALIASES[spelling as PeftProjectionAlias] : spelling
}
