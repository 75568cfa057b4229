// Products and lookups with a blockwise-quantized frozen weight (docs/DESIGN.md "A quantized
// frozen base"). The product runs in the graph's frozenMatmulDType like nn/linear's (float32 on
// the CPU, fp16 on a GPU): x and the scales are cast to it, the result back to x's dtype.
import { F, type QuantizedAttrs, type Value } from '../ir'

/** One stored piece of a quantized weight: rows [firstRow, firstRow + attrs.rows) of W. */
export interface QuantizedPart {
  attrs: QuantizedAttrs
  firstRow: number
  /** uint8 [rows, blocks, blockBytes] */
  q: Value
  /** float32 [rows, blocks] */
  scales: Value
}

/**
 * A quantized W [rows, cols] as graph weights: the whole table (what a lookup reads) and the
 * same bytes in row pieces (what products read). Each product dequantizes its whole W into a
 * temporary float buffer (onnxruntime's unpacked MatMulNBits, and the input gradient), so a big
 * W (a 32k-vocabulary head) is multiplied piece by piece and only one piece is ever in float.
 */
export interface QuantizedWeight {
  whole: QuantizedPart
  pieces: readonly QuantizedPart[]
}

/** y = x·Wᵀ [..., rows] (+ b). */
export function quantizedLinear(x: Value, weight: QuantizedWeight, bias?: Value | null): Value {
  const dtype = x.graph.frozenMatmulDType
  const input = F.cast(x, dtype)
  const parts = weight.pieces.map((p) => F.matmulNBits(input, p.q, F.cast(p.scales, dtype), p.attrs))
  const y = F.cast(parts.length === 1 ? parts[0] : F.concat(parts, -1), x.dtype)
  return bias ? F.add(y, F.cast(bias, x.dtype)) : y
}

/** Rows of the quantized table picked by `ids`: [..., cols] in `dtype`. */
export function quantizedEmbedding(ids: Value, weight: QuantizedWeight, dtype: Value['dtype'] = 'float32'): Value {
  const { q, scales, attrs } = weight.whole
  return F.cast(F.gatherNBits(q, ids, scales, attrs), dtype)
}
