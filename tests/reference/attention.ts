// Multi-head attention for one sequence, in float64. Grouped KV heads, an optional additive bias
// per (head, query, key), and a visibility predicate that carries causality and padding.

export interface AttentionInput {
  /** [Tq, heads·headDim] */
  q: Float64Array
  /** [Tk, kvHeads·headDim] */
  k: Float64Array
  /** [Tk, kvHeads·headDim] */
  v: Float64Array
  queries: number
  keys: number
  heads: number
  kvHeads: number
  headDim: number
  /** Multiplies q·k (1/√headDim for Llama and GPT-2; 1 for T5). */
  scale: number
  /** Whether query i may see key j. */
  visible: (i: number, j: number) => boolean
  /** Added to the scaled score (T5's relative position bias). */
  bias?: (head: number, i: number, j: number) => number
  /** Gemma's attn_logit_softcapping: the scaled score becomes cap·tanh(score/cap), before the mask. */
  softcap?: number | null
}

/** [Tq, heads·headDim]; a query that sees no key gets zeros (only padding queries do, and those are discarded). */
export function attention(a: AttentionInput): Float64Array {
  const { q, k, v, queries, keys, heads, kvHeads, headDim, scale } = a
  const out = new Float64Array(queries * heads * headDim)
  const groupSize = heads / kvHeads // query heads per kv head: head h reads kv head ⌊h / groupSize⌋
  const scores = new Float64Array(keys)
  for (let h = 0; h < heads; h++) {
    const kvh = Math.floor(h / groupSize)
    for (let i = 0; i < queries; i++) {
      let max = -Infinity
      for (let j = 0; j < keys; j++) {
        if (!a.visible(i, j)) {
          scores[j] = -Infinity
          continue
        }
        let dot = 0
        for (let d = 0; d < headDim; d++) dot += q[(i * heads + h) * headDim + d] * k[(j * kvHeads + kvh) * headDim + d]
        const scaled = a.softcap ? a.softcap * Math.tanh((dot * scale) / a.softcap) : dot * scale
        scores[j] = scaled + (a.bias ? a.bias(h, i, j) : 0)
        max = Math.max(max, scores[j])
      }
      if (max === -Infinity) continue
      let total = 0
      for (let j = 0; j < keys; j++) {
        scores[j] = scores[j] === -Infinity ? 0 : Math.exp(scores[j] - max)
        total += scores[j]
      }
      for (let j = 0; j < keys; j++) {
        const p = scores[j] / total
        if (p === 0) continue
        for (let d = 0; d < headDim; d++) out[(i * heads + h) * headDim + d] += p * v[(j * kvHeads + kvh) * headDim + d]
      }
    }
  }
  return out
}
