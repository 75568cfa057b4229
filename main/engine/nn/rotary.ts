import { F, type Graph, type Value } from '../ir'

export interface RotaryTables {
  /** cos/sin of position·inv_freq, duplicated across the two halves (HF layout): [maxPositions, headDim]. */
  cos: Value
  sin: Value
}

/**
 * Rotary tables computed in TS (float64, stored float32) and baked into the graph:
 * inv_freq[i] = theta^(-2i/headDim), angle[p, i] = p·inv_freq[i], rows = [angle, angle].
 */
export function rotaryTables(g: Graph, headDim: number, maxPositions: number, theta = 10000): RotaryTables {
  if (headDim % 2 !== 0) throw new Error(`rotary embeddings need an even head dim, got ${headDim}`)
  const half = headDim / 2
  const cos = new Float64Array(maxPositions * headDim)
  const sin = new Float64Array(maxPositions * headDim)
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * theta ** (-(2 * i) / headDim)
      for (const j of [i, i + half]) {
        cos[p * headDim + j] = Math.cos(angle)
        sin[p * headDim + j] = Math.sin(angle)
      }
    }
  }
  return { cos: g.constant(cos, 'float32', [maxPositions, headDim]), sin: g.constant(sin, 'float32', [maxPositions, headDim]) }
}

/** cos/sin rows for int64 `positions` [batch, seq]: [batch, 1, seq, headDim] (broadcasts over heads). */
export function rotaryForPositions(tables: RotaryTables, positions: Value): { cos: Value; sin: Value } {
  const pick = (t: Value) => F.unsqueeze(F.gather(t, positions, 0), 1) // [batch, 1, seq, headDim]
  return { cos: pick(tables.cos), sin: pick(tables.sin) }
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = [-x2, x1] (HF Llama), x: [..., headDim] in float32. */
export function applyRotary(x: Value, cos: Value, sin: Value): Value {
  const headDim = x.shape[x.rank - 1]
  if (typeof headDim !== 'number') throw new Error(`applyRotary: head dim of ${x.describe()} must be static`)
  const half = headDim / 2
  const x1 = F.slice(x, -1, 0, half)
  const x2 = F.slice(x, -1, half, headDim)
  const rotated = F.concat([F.neg(x2), x1], -1)
  return F.add(F.mul(x, F.cast(cos, x.dtype)), F.mul(rotated, F.cast(sin, x.dtype)))
}
