// The input gradient through a blockwise-quantized frozen weight: dX = dY·W with W dequantized
// one weight at a time, right before its product (docs/DESIGN.md "A quantized frozen base"). It
// is the exact gradient of the quantized forward product. The dequantization waits for dY
// (zeroAfter), so onnxruntime neither folds it into a stored float copy at session creation nor
// computes it early: one layer's float W exists at a time, for one MatMul.
import { F } from '../../ir'
import { zeroAfter } from '../helpers'
import type { GradRule } from '../rule'

export const quantizedRules: { MatMulNBits: GradRule<'MatMulNBits'> } = {
  MatMulNBits: ({ inputs: [, q, scales], attrs, dY }) => [
    () => {
      const ordered = F.add(scales, F.cast(zeroAfter([dY]), scales.dtype))
      const w = F.dequantizeNBits(q, ordered, attrs) // [rows, cols]
      return F.matmul(dY, w) // [..., cols]
    },
    null,
    null,
  ],
}
