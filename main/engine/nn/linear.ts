import { F, type Value } from '../ir'

/**
 * y = x·Wᵀ (+ b) with W in Hugging Face layout [out, in]. Emission writes x·Wᵀ as
 * Gemm(x, W, transB=1) and the input gradient dY·(Wᵀ)ᵀ as MatMul(dY, W) (onnx/emit-transposes.ts),
 * so both read W as stored and ORT has no Transpose(W) to fold into a copy. A half-precision
 * weight is cast to x's dtype in the graph: ORT folds that cast once, at session creation, into
 * the one float32 copy the CPU kernels need, and releases the half-precision original.
 */
export function linear(x: Value, weight: Value, bias?: Value | null): Value {
  if (weight.rank !== 2) throw new Error(`linear: weight ${weight.describe()} must be [out, in]`)
  const w = F.cast(weight, x.dtype)
  const y = F.matmul(x, F.transpose(w, [1, 0])) // [..., out]
  return bias ? F.add(y, F.cast(bias, x.dtype)) : y
}
