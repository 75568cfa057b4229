// Scaled dot-product attention with grouped KV heads, in float32, for queries and keys of
// different lengths (cached decoding, cross-attention) and per-head additive biases (T5).
import { F, type Value } from '../ir'

export interface AttentionOptions {
  heads: number
  kvHeads: number
  /** Multiplies q·k: 1/√head_dim for Llama and GPT-2, 1 for T5. */
  scale: number
}

/**
 * q [batch, heads, Tq, Dh], k/v [batch|1, kvHeads, Tk, Dh], bias [batch|1, 1|heads, Tq|1, Tk] -> [batch, heads, Tq, Dh].
 * Query head h reads KV head ⌊h / group⌋: queries are viewed as [kvHeads, group] and K/V broadcast
 * over the group axis inside MatMul, so K/V are never repeated per query head.
 */
export function groupedAttention(q: Value, k: Value, v: Value, bias: Value, o: AttentionOptions): Value {
  if (o.heads % o.kvHeads !== 0) throw new Error(`attention: ${o.heads} query heads cannot be grouped over ${o.kvHeads} KV heads`)
  const group = o.heads / o.kvHeads
  const [batch, , queries, headDim] = q.shape
  const keys = k.shape[2]
  // K/V keep their own batch, which may be 1 for queries of several rows: rows scoring continuations
  // of one prompt read one copy of its cross keys/values (T5), broadcast inside MatMul.
  const qg = F.reshape(F.cast(q, 'float32'), [batch, o.kvHeads, group, queries, headDim]) // [B, KV, G, Tq, Dh]
  const kg = F.reshape(F.cast(k, 'float32'), [k.shape[0], o.kvHeads, 1, keys, headDim]) // [B|1, KV, 1, Tk, Dh]
  const vg = F.reshape(F.cast(v, 'float32'), [v.shape[0], o.kvHeads, 1, keys, headDim]) // [B|1, KV, 1, Tk, Dh]
  let scores = F.matmul(qg, F.transpose(kg, [0, 1, 2, 4, 3])) // [B, KV, G, Tq, Tk]
  if (o.scale !== 1) scores = F.mul(scores, o.scale)
  const [biasBatch, biasHeads, biasQueries, biasKeys] = bias.shape
  const perHead = biasHeads !== 1
  const bias5 = F.reshape(bias, [biasBatch, perHead ? o.kvHeads : 1, perHead ? group : 1, biasQueries, biasKeys]) // [B|1, KV|1, G|1, Tq|1, Tk]
  const probs = F.softmax(F.add(scores, bias5), -1) // [B, KV, G, Tq, Tk]
  const out = F.matmul(probs, vg) // [B, KV, G, Tq, Dh]
  return F.reshape(out, [batch, o.heads, queries, headDim]) // [B, H, Tq, Dh]
}
