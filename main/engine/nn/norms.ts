import { F, type Value } from '../ir'

/** RMSNorm over the last axis, computed in float32 whatever x's dtype (as HF Llama does). */
export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const xf = F.cast(x, 'float32')
  const meanSquare = F.mean(F.mul(xf, xf), [-1], true) // [..., 1]
  const normed = F.mul(xf, F.reciprocal(F.sqrt(F.add(meanSquare, eps))))
  return F.cast(F.mul(normed, F.cast(weight, 'float32')), x.dtype)
}

/** LayerNorm over the last axis in float32, with optional bias. */
export function layerNorm(x: Value, weight: Value, bias: Value | null, eps: number): Value {
  const xf = F.cast(x, 'float32')
  const centered = F.sub(xf, F.mean(xf, [-1], true)) // [..., d]
  const variance = F.mean(F.mul(centered, centered), [-1], true) // [..., 1]
  const normed = F.mul(centered, F.reciprocal(F.sqrt(F.add(variance, eps))))
  const scaled = F.mul(normed, F.cast(weight, 'float32'))
  return F.cast(bias ? F.add(scaled, F.cast(bias, 'float32')) : scaled, x.dtype)
}
