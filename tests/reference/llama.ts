// Float64 reference forward pass of the Llama family (llama, mistral, qwen2, qwen3, smollm3), written
// from transformers' modeling_llama / modeling_qwen2 / modeling_qwen3 / modular_smollm3 semantics:
//   x = embed(ids)
//   per layer: h = RMSNorm(x); q, k, v = Linear(h) (+ bias: qwen2, or attention_bias)
//              qwen3: RMSNorm over head_dim of every q and k head; then RoPE on q and k
//              (smollm3: only on the layers no_rope_layers marks 1; the others are NoPE)
//              attention with kv head ⌊h·kv/heads⌋, scores/√head_dim, causal (+ sliding window)
//              x += o_proj(attn);  x += down(silu(gate(RMSNorm(x))) ⊙ up(RMSNorm(x)))
//   logits = lm_head(RMSNorm(x))   (embed_tokens when tied)
import { attention } from './attention'
import { rowsOf, stackLogits, type Logits, type TokenBatch } from './batch'
import { activation, addInPlace, embed, linear, project, rmsNorm } from './math'
import { applyRope, inverseFrequencies, type RopeScalingConfig } from './rope'
import type { ReferenceCheckpoint } from './tensors'

interface LlamaShape {
  type: string
  d: number
  layers: number
  heads: number
  kvHeads: number
  headDim: number
  ff: number
  vocab: number
  eps: number
  tied: boolean
  qkvBias: boolean
  oBias: boolean
  mlpBias: boolean
  qkNorm: boolean
  slidingWindow: number | null
  invFreq: Float64Array
  /** Whether layer i rotates q and k (false: a NoPE layer; only smollm3 has them). */
  ropeLayers: boolean[]
}

function shapeOf(config: Record<string, unknown>): LlamaShape {
  const c = config as Record<string, never>
  const type = String(c.model_type)
  const num = (key: string, fallback?: number): number => {
    const v = (c as Record<string, unknown>)[key]
    if (typeof v === 'number') return v
    if (fallback !== undefined) return fallback
    throw new Error(`reference: config.json has no ${key}`)
  }
  const smol = type === 'smollm3'
  const heads = num('num_attention_heads')
  const d = num('hidden_size')
  const layers = num('num_hidden_layers')
  const headDim = num('head_dim', d / heads)
  const attentionBias = c.attention_bias === true
  const scaling = ((c.rope_parameters ?? c.rope_scaling) as Record<string, number | string> | null) ?? null
  const scalingType = scaling ? String(scaling.rope_type ?? scaling.type ?? 'default') : 'default'
  let rope: RopeScalingConfig = null
  if (scalingType === 'linear') rope = { kind: 'linear', factor: Number(scaling!.factor) }
  else if (scalingType === 'llama3') {
    rope = {
      kind: 'llama3', factor: Number(scaling!.factor), lowFreqFactor: Number(scaling!.low_freq_factor),
      highFreqFactor: Number(scaling!.high_freq_factor), originalContext: Number(scaling!.original_max_position_embeddings),
    }
  } else if (scalingType !== 'default') throw new Error(`reference: rope type ${scalingType} not implemented`)
  const theta = Number((scaling as Record<string, unknown> | null)?.rope_theta ?? c.rope_theta ?? (smol ? 2e6 : 10000))
  if (smol && c.use_sliding_window === true) throw new Error('reference: use_sliding_window is not implemented for smollm3')
  return {
    type, d, heads, headDim, layers,
    // SmolLM3Config's own default is 4 kv heads; only an explicit null means one per head.
    kvHeads: smol && !('num_key_value_heads' in c) ? 4 : num('num_key_value_heads', heads),
    ff: num('intermediate_size'),
    vocab: num('vocab_size'),
    eps: num('rms_norm_eps', 1e-6),
    tied: smol ? c.tie_word_embeddings !== false : c.tie_word_embeddings === true, // SmolLM3Config keeps PretrainedConfig's tied default
    qkvBias: type === 'qwen2' || (type !== 'mistral' && attentionBias),
    oBias: (type === 'llama' || type === 'qwen3' || smol) && attentionBias,
    mlpBias: (type === 'llama' || smol) && c.mlp_bias === true,
    qkNorm: type === 'qwen3',
    slidingWindow: type === 'mistral' ? (('sliding_window' in c ? (c.sliding_window as number | null) : 4096) ?? null) : null,
    invFreq: inverseFrequencies(headDim, theta, rope),
    ropeLayers: smol ? smolRopeLayers(c, layers) : Array.from({ length: layers }, () => true),
  }
}

/**
 * SmolLM3's no_rope_layers: entry i is 1 when layer i uses RoPE, 0 when it is NoPE. Without the
 * list, every no_rope_layer_interval-th layer (default 4: layers 3, 7, …) is NoPE.
 */
function smolRopeLayers(c: Record<string, unknown>, layers: number): boolean[] {
  const listed = c.no_rope_layers
  if (listed === undefined || listed === null) {
    const interval = typeof c.no_rope_layer_interval === 'number' ? c.no_rope_layer_interval : 4
    return Array.from({ length: layers }, (_, i) => (i + 1) % interval !== 0)
  }
  if (!Array.isArray(listed) || listed.length < layers) {
    throw new Error(`reference: no_rope_layers must list at least num_hidden_layers (${layers}) entries, got ${JSON.stringify(listed)}`)
  }
  return listed.slice(0, layers).map((flag, i) => {
    if (flag !== 0 && flag !== 1 && typeof flag !== 'boolean') throw new Error(`reference: no_rope_layers[${i}] is ${JSON.stringify(flag)}, not 0 or 1`)
    return Boolean(flag)
  })
}

export function llamaLogits(ckpt: ReferenceCheckpoint, batch: TokenBatch): Logits {
  const s = shapeOf(ckpt.config)
  const w = (name: string, shape?: number[]) => ckpt.get(name, shape)
  const qWidth = s.heads * s.headDim
  const kvWidth = s.kvHeads * s.headDim
  const rows = rowsOf(batch)
  const perRow = rows.map((row) => {
    const T = row.ids.length
    const x = embed(w('model.embed_tokens.weight', [s.vocab, s.d]), row.ids) // [T, d]
    for (let l = 0; l < s.layers; l++) {
      const p = `model.layers.${l}`
      const h = rmsNorm(x, s.d, w(`${p}.input_layernorm.weight`, [s.d]).data, s.eps)
      const q = linear(h, T, w(`${p}.self_attn.q_proj.weight`, [qWidth, s.d]), s.qkvBias ? w(`${p}.self_attn.q_proj.bias`) : undefined) // [T, heads·hd]
      const k = linear(h, T, w(`${p}.self_attn.k_proj.weight`, [kvWidth, s.d]), s.qkvBias ? w(`${p}.self_attn.k_proj.bias`) : undefined) // [T, kv·hd]
      const v = linear(h, T, w(`${p}.self_attn.v_proj.weight`, [kvWidth, s.d]), s.qkvBias ? w(`${p}.self_attn.v_proj.bias`) : undefined)
      const qn = s.qkNorm ? rmsNorm(q, s.headDim, w(`${p}.self_attn.q_norm.weight`, [s.headDim]).data, s.eps) : q
      const kn = s.qkNorm ? rmsNorm(k, s.headDim, w(`${p}.self_attn.k_norm.weight`, [s.headDim]).data, s.eps) : k
      if (s.ropeLayers[l]) {
        applyRope(qn, T, s.heads, s.headDim, row.positions, s.invFreq)
        applyRope(kn, T, s.kvHeads, s.headDim, row.positions, s.invFreq)
      }
      const attended = attention({
        q: qn, k: kn, v, queries: T, keys: T, heads: s.heads, kvHeads: s.kvHeads, headDim: s.headDim,
        scale: 1 / Math.sqrt(s.headDim),
        visible: (i, j) =>
          row.real[j] && j <= i && (s.slidingWindow === null || row.positions[i] - row.positions[j] < s.slidingWindow),
      })
      addInPlace(x, linear(attended, T, w(`${p}.self_attn.o_proj.weight`, [s.d, qWidth]), s.oBias ? w(`${p}.self_attn.o_proj.bias`) : undefined))
      const h2 = rmsNorm(x, s.d, w(`${p}.post_attention_layernorm.weight`, [s.d]).data, s.eps)
      const mlpBias = (name: string) => (s.mlpBias ? w(`${p}.mlp.${name}.bias`) : undefined)
      const gate = linear(h2, T, w(`${p}.mlp.gate_proj.weight`, [s.ff, s.d]), mlpBias('gate_proj')) // [T, ff]
      const up = linear(h2, T, w(`${p}.mlp.up_proj.weight`, [s.ff, s.d]), mlpBias('up_proj'))
      const silu = activation('silu')
      const hidden = gate.map((g, i) => silu(g) * up[i])
      addInPlace(x, linear(hidden, T, w(`${p}.mlp.down_proj.weight`, [s.d, s.ff]), mlpBias('down_proj')))
    }
    const final = rmsNorm(x, s.d, w('model.norm.weight', [s.d]).data, s.eps)
    return project(final, T, s.tied ? w('model.embed_tokens.weight') : w('lm_head.weight', [s.vocab, s.d])) // [T, vocab]
  })
  return stackLogits(rows, perRow, s.vocab)
}
