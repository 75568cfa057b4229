// The blockwise quantizer (main/engine/quant/blockwise.ts): what every quantized base is made of.
import { describe, expect, it } from 'vitest'
import { blockwiseLayout, chooseBlockSize, dequantizedAt, levelAt, quantizeRows } from '../../../main/engine/quant/blockwise'
import { seededUniform } from '../../../main/engine/random'

function roundTrip(bits: 4 | 8, values: number[]) {
  const layout = blockwiseLayout(bits, values.length, 1, values.length)
  const q = new Uint8Array(layout.rowBytes)
  const scales = new Float32Array(1)
  quantizeRows(layout, values, 1, q, scales)
  return { scale: scales[0], levels: values.map((_, k) => levelAt(layout, q, 0, k)), back: values.map((_, k) => dequantizedAt(layout, q, scales, 0, k)) }
}

describe('blockwise quantization', () => {
  for (const bits of [4, 8] as const) {
    it(`${bits}-bit: the largest magnitude is exact, every value within one step, within half a step on its side`, () => {
      const random = seededUniform(bits)
      for (let trial = 0; trial < 50; trial++) {
        const values = Array.from({ length: 32 }, () => (random() * 2 - 1) * 3)
        const { scale, levels, back } = roundTrip(bits, values)
        const e = values.reduce((a, v) => (Math.abs(v) > Math.abs(a) ? v : a), 0)
        const k = values.indexOf(e)
        expect(levels[k]).toBe(0) // the extreme level, −2^(bits−1)
        expect(Math.abs(back[k] - e)).toBeLessThan(1e-6 * Math.abs(e))
        values.forEach((v, i) => {
          const error = Math.abs(back[i] - v)
          expect(error).toBeLessThanOrEqual(Math.abs(scale) * (Math.sign(v) === Math.sign(e) ? 0.5 : 1) + 1e-6)
        })
      }
    })
  }

  it('uses all 16 levels of 4 bits: a finer step than max|w| / 7', () => {
    const values = Array.from({ length: 32 }, (_, i) => -8 + i * 0.5) // −8 … 7.5
    const { scale, levels } = roundTrip(4, values)
    expect(scale).toBeCloseTo(1, 6) // −8 / −8
    expect(new Set(levels).size).toBe(16)
  })

  it('keeps an all-zero block at zero', () => {
    const { scale, back } = roundTrip(4, new Array<number>(32).fill(0))
    expect(scale).toBe(0)
    expect(back.every((v) => v === 0)).toBe(true)
  })

  it('chooses a block that divides the input features, or none', () => {
    expect(chooseBlockSize(4, 1024)).toBe(32)
    expect(chooseBlockSize(8, 1024)).toBe(128)
    expect(chooseBlockSize(8, 96)).toBe(32)
    expect(chooseBlockSize(4, 48)).toBeNull()
    expect(() => blockwiseLayout(4, 32, 2, 48)).toThrow('48 input features are not a multiple of the block size 32')
  })
})
