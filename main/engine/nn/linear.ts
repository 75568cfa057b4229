import { F, type Value } from '../ir'

/**
 * y = x·Wᵀ (+ b) with W in Hugging Face layout [out, in]. Emission writes x·Wᵀ as
 * Gemm(x, W, transB=1) and the input gradient dY·(Wᵀ)ᵀ as MatMul(dY, W) (onnx/emit-transposes.ts),
 * so both read W as stored and ORT has no Transpose(W) to fold into a copy.
 */
export function linear(x: Value, weight: Value, bias?: Value | null): Value {
  if (weight.rank !== 2) throw new Error(`linear: weight ${weight.describe()} must be [out, in]`)
  const y = frozenMatmul(x, weight, true) // [..., out]
  return bias ? F.add(y, F.cast(bias, x.dtype)) : y
}

/**
 * x·W (x·Wᵀ with `transposeWeight`) for a frozen weight W, returned in x's dtype. The product runs
 * in the graph's frozenMatmulDType (docs/DESIGN.md "Precision"): float32 on the CPU, where a
 * half-precision weight's cast is folded by ORT once, at session creation, into the one float32
 * copy the CPU kernels need; fp16/bf16 on a GPU, where x is cast down, W is used as stored (or
 * cast once, folded), and the result is cast back so that everything around it stays float32.
 * The gradient follows the same path: dY is cast down, multiplied by W, and cast back.
 */
export function frozenMatmul(x: Value, weight: Value, transposeWeight: boolean): Value {
  const dtype = x.graph.frozenMatmulDType
  const w = F.cast(weight, dtype)
  const y = F.matmul(F.cast(x, dtype), transposeWeight ? F.transpose(w, [1, 0]) : w)
  return F.cast(y, x.dtype)
}
