// A two-layer Llama-style decoder from main/engine/nn blocks that calls the adapter hooks at
// every site the way the model builders do: q/k/v/o/gate/up/down projections, keys and values
// per KV head after their projections, and the FFN's activated branch.
import type { AdapterHooks, ProjectionSite, SiteBase } from '../../../../main/engine/adapters'
import { F, type Graph, type Value } from '../../../../main/engine/ir'
import { attentionBias, crossEntropy, embedding, linear, mergeHeads, rmsNorm, scaledDotProductAttention, silu } from '../../../../main/engine/nn'
import { ndarray, type NdArray } from '../../../../main/engine/reference'
import { Rng } from '../../../../main/engine/random'

export interface TransformerShape {
  vocab: number
  hidden: number
  heads: number
  kvHeads: number
  headDim: number
  dFf: number
  layers: number
}

export const TINY: TransformerShape = { vocab: 11, hidden: 8, heads: 4, kvHeads: 2, headDim: 2, dFf: 12, layers: 2 }
export const BATCH = 2
export const SEQ = 4

export interface TinyModel {
  logits: Value
  /** Token-mean cross-entropy. */
  loss: Value
}

export function buildTinyTransformer(g: Graph, hooks: AdapterHooks, dtype: 'float32' | 'float64', shape: TransformerShape = TINY): TinyModel {
  const { vocab, hidden, heads, kvHeads, headDim, dFf, layers } = shape
  const weight = (name: string, shape: number[], scale = 0.4) => {
    const rng = Rng.derive(3, name)
    const n = shape.reduce((a, b) => a * b, 1)
    return g.weight(name, dtype, shape, { kind: 'inline', data: Float64Array.from({ length: n }, () => scale * rng.standardNormal()) })
  }
  const ones = (name: string, n: number) => g.weight(name, dtype, [n], { kind: 'inline', data: new Float64Array(n).fill(1) })
  const ids = g.input('ids', 'int64', ['batch', 'seq'])
  const mask = g.input('mask', dtype, ['batch', 'seq'])
  const labels = g.input('labels', 'int64', ['batch', 'seq'])
  const labelMask = g.input('label_mask', dtype, ['batch', 'seq'])
  const bias = attentionBias(mask, true)

  let h = embedding(ids, weight('model.embed_tokens.weight', [vocab, hidden], 1), dtype) // [B, T, D]
  for (let i = 0; i < layers; i++) {
    const at = (module: string): SiteBase => ({ module: `model.layers.${i}.${module}`, layer: i, stack: 'decoder', tokenMask: mask })
    const project = (module: string, name: string, x: Value, inFeatures: number, outFeatures: number): Value => {
      const w = weight(`model.layers.${i}.${module}.weight`, [outFeatures, inFeatures])
      const site: ProjectionSite = { ...at(module), kind: 'projection', name, inFeatures, outFeatures }
      return hooks.projection(site, x, (input) => linear(input, w))
    }
    const n = rmsNorm(h, ones(`model.layers.${i}.input_layernorm.weight`, hidden), 1e-6)
    const q = project('self_attn.q_proj', 'q', n, hidden, heads * headDim) // [B, T, H·Dh]
    const k = project('self_attn.k_proj', 'k', n, hidden, kvHeads * headDim) // [B, T, KV·Dh]
    const v = project('self_attn.v_proj', 'v', n, hidden, kvHeads * headDim)
    const k4 = hooks.activation({ ...at('self_attn.k_proj'), kind: 'keys' }, F.reshape(k, ['batch', 'seq', kvHeads, headDim])) // [B, T, KV, Dh]
    const v4 = hooks.activation({ ...at('self_attn.v_proj'), kind: 'values' }, F.reshape(v, ['batch', 'seq', kvHeads, headDim]))
    const qh = F.transpose(F.reshape(q, ['batch', 'seq', heads, headDim]), [0, 2, 1, 3]) // [B, H, T, Dh]
    const attention = scaledDotProductAttention(qh, F.transpose(k4, [0, 2, 1, 3]), F.transpose(v4, [0, 2, 1, 3]), bias, { heads, kvHeads, headDim })
    h = F.add(h, project('self_attn.o_proj', 'o', mergeHeads(attention), heads * headDim, hidden))

    const m = rmsNorm(h, ones(`model.layers.${i}.post_attention_layernorm.weight`, hidden), 1e-6)
    const activated = hooks.activation({ ...at('mlp'), kind: 'ffn' }, silu(project('mlp.gate_proj', 'gate', m, hidden, dFf))) // [B, T, F]
    const up = project('mlp.up_proj', 'up', m, hidden, dFf)
    h = F.add(h, project('mlp.down_proj', 'down', F.mul(activated, up), dFf, hidden))
  }
  const final = rmsNorm(h, ones('model.norm.weight', hidden), 1e-6)
  const logits = linear(final, weight('lm_head.weight', [vocab, hidden], 1)) // [B, T, V]
  return { logits, loss: crossEntropy(logits, labels, labelMask) }
}

/** A batch with a padded last token in the second sequence (labels are the next tokens). */
export function tinyBatch(dtype: 'float32' | 'float64'): Record<string, NdArray> {
  return {
    ids: ndarray('int64', [BATCH, SEQ], [1, 5, 7, 2, 3, 9, 4, 0]),
    mask: ndarray(dtype, [BATCH, SEQ], [1, 1, 1, 1, 1, 1, 1, 0]),
    labels: ndarray('int64', [BATCH, SEQ], [5, 7, 2, 8, 9, 4, 10, -100]),
    label_mask: ndarray(dtype, [BATCH, SEQ], [1, 1, 1, 1, 1, 1, 1, 0]),
  }
}
