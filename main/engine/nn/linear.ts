import { F, type Value } from '../ir'

/**
 * y = x·Wᵀ (+ b) with W in Hugging Face layout [out, in]. A half-precision weight is cast to
 * x's dtype in the graph (ORT folds the cast of a frozen weight once, at session creation).
 * Keeping W as [out, in] makes the input gradient dX = dY·W a plain MatMul with no transpose.
 */
export function linear(x: Value, weight: Value, bias?: Value | null): Value {
  if (weight.rank !== 2) throw new Error(`linear: weight ${weight.describe()} must be [out, in]`)
  const w = F.cast(weight, x.dtype)
  const y = F.matmul(x, F.transpose(w, [1, 0])) // [..., out]
  return bias ? F.add(y, F.cast(bias, x.dtype)) : y
}
