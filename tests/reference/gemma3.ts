// Float64 reference forward pass of Gemma 3 text models (model_type gemma3_text,
// Gemma3ForCausalLM), written from transformers' modeling_gemma3 semantics:
//   x = embed(ids)·√hidden_size
//   per layer: h = N(x) (every N is Gemma's RMSNorm, x/√(mean(x²) + eps)·(1 + w))
//              q, k, v = Linear(h); q, k: N over head_dim of every head; RoPE on q and k
//              (sliding layers: rope_local_base_freq, unscaled; full layers: rope_theta + rope_scaling)
//              attention with kv head ⌊h·kv/heads⌋, scores/√query_pre_attn_scalar, causal
//              (+ the sliding window on sliding layers)
//              x += N(o_proj(attn));  x += N(down(gelu_tanh(gate(N(x))) ⊙ up(N(x))))
//   logits = N(x)·Eᵀ (E = embed_tokens unless tie_word_embeddings is false)
// with optional tanh soft-capping of the attention scores and of the logits.
import { attention } from './attention'
import { rowsOf, stackLogits, type Logits, type TokenBatch } from './batch'
import { activation, addInPlace, embed, linear, project, rmsNorm, type ActivationName } from './math'
import { applyRope, inverseFrequencies, type RopeScalingConfig } from './rope'
import type { ReferenceCheckpoint } from './tensors'

type LayerType = 'sliding_attention' | 'full_attention'

interface Gemma3Shape {
  d: number
  layers: number
  heads: number
  kvHeads: number
  headDim: number
  ff: number
  vocab: number
  eps: number
  tied: boolean
  bias: boolean
  act: (x: number) => number
  scoreScale: number
  slidingWindow: number
  layerTypes: LayerType[]
  /** Inverse RoPE frequencies of each layer type. */
  invFreq: Record<LayerType, Float64Array>
  attnSoftcap: number | null
  finalSoftcap: number | null
}

function shapeOf(config: Record<string, unknown>): Gemma3Shape {
  const c = config
  const num = (key: string, fallback?: number): number => {
    const v = c[key]
    if (typeof v === 'number') return v
    if (fallback !== undefined) return fallback
    throw new Error(`reference: config.json has no ${key}`)
  }
  const orNull = (key: string) => (typeof c[key] === 'number' ? (c[key] as number) : null)
  const actName = String(c.hidden_activation ?? c.hidden_act ?? 'gelu_pytorch_tanh')
  const act = activation(actName as ActivationName) as ((x: number) => number) | undefined
  if (!act) throw new Error(`reference: hidden_activation ${actName} not implemented`)
  const heads = num('num_attention_heads')
  const headDim = num('head_dim', 256)
  const layers = num('num_hidden_layers')
  const pattern = num('sliding_window_pattern', 6)
  const layerTypes = Array.isArray(c.layer_types)
    ? (c.layer_types as string[]).map((t, i) => {
        if (t !== 'sliding_attention' && t !== 'full_attention') throw new Error(`reference: layer_types[${i}] is ${t}`)
        return t
      })
    : Array.from({ length: layers }, (_, i): LayerType => ((i + 1) % pattern !== 0 ? 'sliding_attention' : 'full_attention'))
  if (layerTypes.length !== layers) throw new Error(`reference: ${layerTypes.length} layer_types for ${layers} layers`)
  return {
    d: num('hidden_size'), layers, heads, headDim,
    kvHeads: num('num_key_value_heads', heads),
    ff: num('intermediate_size'),
    vocab: num('vocab_size'),
    eps: num('rms_norm_eps', 1e-6),
    tied: c.tie_word_embeddings !== false, // Gemma3TextConfig defaults to tied
    bias: c.attention_bias === true,
    act,
    scoreScale: num('query_pre_attn_scalar', 256) ** -0.5,
    slidingWindow: num('sliding_window', 4096),
    layerTypes,
    invFreq: ropeOf(c, headDim),
    attnSoftcap: orNull('attn_logit_softcapping'),
    finalSoftcap: orNull('final_logit_softcapping'),
  }
}

/**
 * Two RoPEs. transformers v4 configs: full layers rope_theta (default 1e6) scaled by rope_scaling,
 * sliding layers rope_local_base_freq (default 1e4) never scaled. v5 configs carry the same as
 * rope_parameters: { full_attention: {...}, sliding_attention: {...} }.
 */
function ropeOf(c: Record<string, unknown>, headDim: number): Record<LayerType, Float64Array> {
  type Params = Record<string, unknown>
  const perType = (c.rope_parameters ?? null) as Record<string, Params | undefined> | null
  const nested = perType !== null && ('full_attention' in perType || 'sliding_attention' in perType)
  const full: Params = nested ? { ...perType.full_attention } : { ...((perType ?? c.rope_scaling ?? {}) as Params) }
  const sliding: Params = nested ? { ...perType.sliding_attention } : {}
  full.rope_theta ??= c.rope_theta ?? 1e6
  sliding.rope_theta ??= c.rope_local_base_freq ?? 1e4
  const invFreq = (p: Params, which: string) => {
    const type = String(p.rope_type ?? p.type ?? 'default')
    let scaling: RopeScalingConfig = null
    if (type === 'linear') scaling = { kind: 'linear', factor: Number(p.factor) }
    else if (type !== 'default') throw new Error(`reference: ${which} rope type ${type} not implemented for gemma3_text`)
    return inverseFrequencies(headDim, Number(p.rope_theta), scaling)
  }
  return { full_attention: invFreq(full, 'full-attention'), sliding_attention: invFreq(sliding, 'sliding-attention') }
}

/** Gemma's RMSNorm: the stored weight is an offset from 1. */
function gemmaNorm(x: Float64Array, dim: number, weight: Float64Array, eps: number): Float64Array {
  return rmsNorm(x, dim, weight.map((w) => 1 + w), eps)
}

const softcap = (cap: number | null) => (x: number) => (cap ? cap * Math.tanh(x / cap) : x)

export function gemma3Logits(ckpt: ReferenceCheckpoint, batch: TokenBatch): Logits {
  const s = shapeOf(ckpt.config)
  const w = (name: string, shape?: number[]) => ckpt.get(name, shape)
  const norm = (x: Float64Array, dim: number, name: string) => gemmaNorm(x, dim, w(name, [dim]).data, s.eps)
  const qWidth = s.heads * s.headDim
  const kvWidth = s.kvHeads * s.headDim
  const embedScale = Math.sqrt(s.d)
  const rows = rowsOf(batch)
  const perRow = rows.map((row) => {
    const T = row.ids.length
    const x = embed(w('model.embed_tokens.weight', [s.vocab, s.d]), row.ids).map((v) => v * embedScale) // [T, d]
    for (let l = 0; l < s.layers; l++) {
      const p = `model.layers.${l}`
      const type = s.layerTypes[l]
      const bias = (name: string) => (s.bias ? w(`${p}.self_attn.${name}.bias`) : undefined)
      const h = norm(x, s.d, `${p}.input_layernorm.weight`)
      const q = linear(h, T, w(`${p}.self_attn.q_proj.weight`, [qWidth, s.d]), bias('q_proj')) // [T, heads·hd]
      const k = linear(h, T, w(`${p}.self_attn.k_proj.weight`, [kvWidth, s.d]), bias('k_proj')) // [T, kv·hd]
      const v = linear(h, T, w(`${p}.self_attn.v_proj.weight`, [kvWidth, s.d]), bias('v_proj'))
      const qn = norm(q, s.headDim, `${p}.self_attn.q_norm.weight`)
      const kn = norm(k, s.headDim, `${p}.self_attn.k_norm.weight`)
      applyRope(qn, T, s.heads, s.headDim, row.positions, s.invFreq[type])
      applyRope(kn, T, s.kvHeads, s.headDim, row.positions, s.invFreq[type])
      const windowed = type === 'sliding_attention'
      const attended = attention({
        q: qn, k: kn, v, queries: T, keys: T, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim,
        scale: s.scoreScale, softcap: s.attnSoftcap,
        visible: (i, j) => row.real[j] && j <= i && (!windowed || row.positions[i] - row.positions[j] < s.slidingWindow),
      })
      const a = linear(attended, T, w(`${p}.self_attn.o_proj.weight`, [s.d, qWidth]), bias('o_proj')) // [T, d]
      addInPlace(x, norm(a, s.d, `${p}.post_attention_layernorm.weight`))
      const h2 = norm(x, s.d, `${p}.pre_feedforward_layernorm.weight`)
      const gate = linear(h2, T, w(`${p}.mlp.gate_proj.weight`, [s.ff, s.d])) // [T, ff]
      const up = linear(h2, T, w(`${p}.mlp.up_proj.weight`, [s.ff, s.d]))
      const m = linear(gate.map((g, i) => s.act(g) * up[i]), T, w(`${p}.mlp.down_proj.weight`, [s.d, s.ff])) // [T, d]
      addInPlace(x, norm(m, s.d, `${p}.post_feedforward_layernorm.weight`))
    }
    const final = norm(x, s.d, 'model.norm.weight')
    const head = s.tied ? w('model.embed_tokens.weight') : w('lm_head.weight', [s.vocab, s.d])
    return project(final, T, head).map(softcap(s.finalSoftcap)) // [T, vocab]
  })
  return stackLogits(rows, perRow, s.vocab)
}
