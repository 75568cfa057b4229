// A small blockwise-quantized weight for op tests: W [rows, cols] random, quantized as the cache does.
import { blockwiseLayout, quantizeRows, type QuantBits } from '../../main/engine/quant/blockwise'
import type { QuantizedAttrs } from '../../main/engine/ir'
import { seededUniform } from '../../main/engine/random'

export interface QuantizedFixture {
  attrs: QuantizedAttrs
  /** uint8 [rows, blocks, blockBytes] */
  q: number[]
  qShape: [number, number, number]
  /** float [rows, blocks] */
  scales: number[]
  scalesShape: [number, number]
  /** The float weight before quantization. */
  original: number[]
}

export function quantizedFixture(bits: QuantBits, rows: number, cols: number, blockSize = 16, seed = 3): QuantizedFixture {
  const random = seededUniform(seed)
  const layout = blockwiseLayout(bits, blockSize, rows, cols)
  const original = Array.from({ length: rows * cols }, () => random() * 2 - 1)
  const q = new Uint8Array(rows * layout.rowBytes)
  const scales = new Float32Array(rows * layout.blocks)
  quantizeRows(layout, original, rows, q, scales)
  return {
    attrs: { bits, blockSize, rows, cols },
    q: Array.from(q),
    qShape: [rows, layout.blocks, layout.blockBytes],
    scales: Array.from(scales),
    scalesShape: [rows, layout.blocks],
    original,
  }
}
