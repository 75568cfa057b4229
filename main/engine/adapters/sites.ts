import type { Value } from '../ir'

/**
 * Where an adapter can act inside a model. Model builders (main/engine/models) call the hooks
 * at every site; adapters (one folder per method) implement them as graph rewrites at build
 * time. Module paths are the base model's own (HF) names, so adapter tensor names follow them
 * (docs/DESIGN.md "Native adapter format"): e.g. `model.layers.3.self_attn.k_proj`.
 */
export interface SiteBase {
  /** HF module path of the site, e.g. "model.layers.3.self_attn.k_proj" or "model.layers.3.mlp". */
  module: string
  /** Block index within its stack. */
  layer: number
  /** Encoder-decoder models: which stack and attention the site belongs to. */
  stack: 'decoder' | 'encoder'
  attention?: 'self' | 'cross'
  /**
   * Which tokens of `x` are real: [batch, seq] over x's leading two axes (1 = token, 0 = padding;
   * numeric or bool). For cross-attention keys/values that is the encoder's mask. Mixture
   * adapters use it to count router statistics and the load-balancing loss over real tokens
   * only; without it every position counts. It never changes what the site computes.
   */
  tokenMask?: Value
}

/**
 * (IA)³ / MoV sites (docs/METHOD.md): keys and values per head after the projection (after bias,
 * before RoPE), x: [batch, seq, kv_heads, head_dim]; the FFN's activated branch, x: [batch, seq, d_ff].
 */
export interface ActivationSite extends SiteBase {
  kind: 'keys' | 'values' | 'ffn'
}

/** LoRA / MoLoRA sites: a frozen linear projection y = W x (+ b), x: [batch, seq, in], y: [batch, seq, out]. */
export interface ProjectionSite extends SiteBase {
  kind: 'projection'
  /**
   * Short name used in site selection: q, k, v, o, gate, up, down (GPT-2: c_attn, c_proj, c_fc,
   * mlp_c_proj; T5: wi_0, wi_1, wo). adapter.sites may also give PEFT's name, the module path's
   * last part (q_proj, T5 v1.0's wi: PEFT_PROJECTION_ALIASES in ./names.ts, checked against
   * `module` by common/attachment.ts).
   */
  name: string
  inFeatures: number
  outFeatures: number
}

export { PROJECTION_NAMES, type ProjectionName } from './names'

export interface AdapterHooks {
  /** Returns the (possibly rescaled) activation; must keep x's shape and dtype. */
  activation(site: ActivationSite, x: Value): Value
  /** Returns the projection's output: `base(x)` plus whatever the adapter adds. */
  projection(site: ProjectionSite, x: Value, base: (x: Value) => Value): Value
}

/** The base model unchanged. */
export const NO_ADAPTER: AdapterHooks = {
  activation: (_site, x) => x,
  projection: (_site, x, base) => base(x),
}
