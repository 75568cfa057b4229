// Float64 kernels of the quantized ops: W is dequantized exactly as main/engine/quant/blockwise.ts
// defines it, then multiplied or gathered in float64 (the "dequantize, then matmul" reference).
import { blockwiseLayout, dequantizedAt } from '../../quant/blockwise'
import type { QuantizedAttrs } from '../../ir'
import { ndarray, type NdArray } from '../ndarray'
import type { Kernel } from './kernel'

function dequantized(q: NdArray, scales: NdArray, attrs: QuantizedAttrs): Float64Array {
  const layout = blockwiseLayout(attrs.bits, attrs.blockSize, attrs.rows, attrs.cols)
  const w = new Float64Array(attrs.rows * attrs.cols)
  for (let n = 0; n < attrs.rows; n++) {
    for (let k = 0; k < attrs.cols; k++) w[n * attrs.cols + k] = dequantizedAt(layout, q.data, scales.data, n, k)
  }
  return w
}

export const quantizedKernels: { [K in 'MatMulNBits' | 'DequantizeNBits' | 'GatherNBits']: Kernel<K> } = {
  MatMulNBits: ([x, q, scales], attrs) => {
    const { rows, cols } = attrs
    const w = dequantized(q, scales, attrs)
    const m = x.data.length / cols
    const out = new Float64Array(m * rows)
    for (let i = 0; i < m; i++) {
      for (let n = 0; n < rows; n++) {
        let acc = 0
        for (let k = 0; k < cols; k++) acc += x.data[i * cols + k] * w[n * cols + k]
        out[i * rows + n] = acc
      }
    }
    return [ndarray(x.dtype, [...x.shape.slice(0, -1), rows], out)]
  },
  DequantizeNBits: ([q, scales], attrs) => [ndarray(scales.dtype, [attrs.rows, attrs.cols], dequantized(q, scales, attrs))],
  GatherNBits: ([q, indices, scales], attrs, ctx) => {
    const { rows, cols } = attrs
    const w = dequantized(q, scales, attrs)
    const out = new Float64Array(indices.data.length * cols)
    indices.data.forEach((raw, i) => {
      const row = raw < 0 ? raw + rows : raw
      if (!(row >= 0 && row < rows)) ctx.fail(`index ${raw} is out of range for a table of ${rows} rows`)
      out.set(w.subarray(row * cols, (row + 1) * cols), i * cols)
    })
    return [ndarray(scales.dtype, [...indices.shape, cols], out)]
  },
}
