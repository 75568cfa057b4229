// Names that configurations use, with no engine dependency, so that schemas built on them
// (main/engine/adapters/config.ts, the run-config contract) can be imported anywhere.

export const ADAPTER_METHOD_NAMES = ['ia3', 'mov', 'lora', 'molora'] as const
export type AdapterMethodName = (typeof ADAPTER_METHOD_NAMES)[number]

/**
 * Every projection name a builder may give a ProjectionSite, so that a run configuration can be
 * checked before any model is loaded. Llama/Qwen/Mistral: q, k, v, o, gate, up, down.
 * GPT-2: c_attn, c_proj (attention output), c_fc, mlp_c_proj. T5: q, k, v, o, wi_0, wi_1, wo
 * (T5 v1.0's single `wi` is named wi_0).
 */
export const PROJECTION_NAMES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down', 'c_attn', 'c_proj', 'c_fc', 'mlp_c_proj', 'wi_0', 'wi_1', 'wo'] as const
export type ProjectionName = (typeof PROJECTION_NAMES)[number]
