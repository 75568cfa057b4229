// Positions and attention visibility from the padding mask, as the references define them
// (tests/reference/batch.ts): a token's position is the number of real tokens before it, so a
// padded row gives the same logits at its real tokens as the unpadded one, left or right padding.
import { F, type Value } from '../ir'

/** A masked score: finite, so a query that sees nothing (a pad) stays finite. */
export const MASKED_SCORE = -1e9

/**
 * int32 [batch, seq]: exclusive running count of real tokens (mask: 1 real, 0 pad; any numeric
 * dtype). int32, not int64: ORT's WebGPU provider lacks int64 casts and arithmetic.
 */
export function positionsFromMask(mask: Value): Value {
  const [, seq] = mask.shape
  const idx = F.iota(mask, seq) // [T]
  const before = F.cast(F.less(F.reshape(idx, [seq, 1]), F.reshape(idx, [1, seq])), 'float32') // [T(j), T(i)]: j < i
  return F.cast(F.matmul(F.cast(mask, 'float32'), before), 'int32') // [B, T]: exact below 2^24 tokens
}

export interface Visibility {
  /** [batch, keys]: 1 real, 0 pad. */
  keyMask: Value
  /** Causal: key slot j is visible from query slot i when j <= i. Slots are int64 [queries] and [keys]. */
  causal?: { querySlots: Value; keySlots: Value }
  /** Sliding window: visible when position_i − position_j < size. Positions int64 [batch, queries] / [batch, keys]. */
  window?: { size: number; queryPositions: Value; keyPositions: Value }
  /** Packed rows: segment ids [batch, seq] (queries and keys are the same tokens); visible only within a segment. */
  segments?: Value
}

/** Additive float32 bias [batch, 1, queries, keys]: 0 where visible, MASKED_SCORE elsewhere. */
export function visibilityBias(v: Visibility): Value {
  const [batch, keys] = v.keyMask.shape
  let allowed = F.reshape(F.greater(F.cast(v.keyMask, 'float32'), 0.5), [batch, 1, 1, keys]) // [B, 1, 1, Tk]
  if (v.causal) {
    const { querySlots, keySlots } = v.causal
    const future = F.greater(F.reshape(keySlots, [1, keys]), F.reshape(querySlots, [querySlots.shape[0], 1])) // [Tq, Tk]
    allowed = F.and(allowed, F.not(future)) // [B, 1, Tq, Tk]
  }
  if (v.segments) {
    const seq = v.segments.shape[1]
    const same = F.equal(F.reshape(v.segments, [batch, 1, seq, 1]), F.reshape(v.segments, [batch, 1, 1, seq])) // [B, 1, Tq, Tk]
    allowed = F.and(allowed, same)
  }
  if (v.window) {
    const { size, queryPositions, keyPositions } = v.window
    const queries = queryPositions.shape[1]
    const distance = F.sub(F.reshape(queryPositions, [batch, queries, 1]), F.reshape(keyPositions, [batch, 1, keys])) // [B, Tq, Tk]
    allowed = F.and(allowed, F.reshape(F.less(distance, size), [batch, 1, queries, keys]))
  }
  return F.where(allowed, v.keyMask.graph.scalar(0, 'float32'), MASKED_SCORE) // [B, 1, Tq, Tk]
}
