import { F, type Dim, type Value } from '../ir'

/** Added to the scores of masked keys. Finite, so a fully masked (padding) query row stays finite. */
export const MASKED_SCORE = -1e9

/**
 * Additive attention bias [batch, 1, 1, seq, seq] in float32: 0 where query i may attend key j
 * (j <= i when causal, and key j is not padding), MASKED_SCORE elsewhere.
 * `keyMask` [batch, seq]: 1 for tokens, 0 for padding (any numeric dtype, or bool).
 */
export function attentionBias(keyMask: Value, causal: boolean): Value {
  const [batch, seq] = keyMask.shape
  const valid = keyMask.dtype === 'bool' ? keyMask : F.greater(F.cast(keyMask, 'float32'), 0.5) // [batch, seq]
  let allowed = F.reshape(valid, [batch, 1, 1, 1, seq]) // [batch, 1, 1, 1(query), seq(key)]
  if (causal) {
    const pos = F.iota(keyMask, seq) // [seq]
    const future = F.greater(F.reshape(pos, [1, seq]), F.reshape(pos, [seq, 1])) // [seq(query), seq(key)]: key after query
    allowed = F.and(allowed, F.not(future)) // [batch, 1, 1, seq, seq]
  }
  return F.where(allowed, keyMask.graph.scalar(0, 'float32'), MASKED_SCORE)
}

export interface AttentionShape {
  heads: number
  kvHeads: number
  headDim: number
}

/**
 * Scaled dot-product attention with grouped KV heads, scores and softmax in float32.
 * q [batch, heads, seq, headDim], k/v [batch, kvHeads, seq, headDim], bias [batch, 1, 1, seq, seq]
 * -> [batch, heads, seq, headDim]. Query heads are grouped as [kvHeads, group] and K/V broadcast
 * over the group axis inside MatMul, so K/V are never copied per query head.
 */
export function scaledDotProductAttention(q: Value, k: Value, v: Value, bias: Value, shape: AttentionShape): Value {
  const { heads, kvHeads, headDim } = shape
  if (heads % kvHeads !== 0) throw new Error(`attention: ${heads} query heads cannot be grouped over ${kvHeads} KV heads`)
  const group = heads / kvHeads
  const [batch, , seq] = q.shape as Dim[]
  const qg = F.reshape(F.cast(q, 'float32'), [batch, kvHeads, group, seq, headDim]) // [B, KV, G, T, Dh]
  const kg = F.reshape(F.cast(k, 'float32'), [batch, kvHeads, 1, seq, headDim]) // [B, KV, 1, T, Dh]
  const vg = F.reshape(F.cast(v, 'float32'), [batch, kvHeads, 1, seq, headDim]) // [B, KV, 1, T, Dh]
  const scores = F.mul(F.matmul(qg, F.transpose(kg, [0, 1, 2, 4, 3])), 1 / Math.sqrt(headDim)) // [B, KV, G, T, T]
  const probs = F.softmax(F.add(scores, bias), -1) // [B, KV, G, T, T]
  const out = F.matmul(probs, vg) // [B, KV, G, T, Dh]
  return F.cast(F.reshape(out, [batch, heads, seq, headDim]), q.dtype) // [B, H, T, Dh]
}

/** [batch, seq, heads·headDim] -> [batch, heads, seq, headDim] */
export function splitHeads(x: Value, heads: number, headDim: number): Value {
  const [batch, seq] = x.shape
  return F.transpose(F.reshape(x, [batch, seq, heads, headDim]), [0, 2, 1, 3]) // [B, H, T, Dh]
}

/** [batch, heads, seq, headDim] -> [batch, seq, heads·headDim] */
export function mergeHeads(x: Value): Value {
  const [batch, heads, seq, headDim] = x.shape
  if (typeof heads !== 'number' || typeof headDim !== 'number') throw new Error(`mergeHeads: ${x.describe()} needs static heads and head dim`)
  return F.reshape(F.transpose(x, [0, 2, 1, 3]), [batch, seq, heads * headDim]) // [B, T, H·Dh]
}
