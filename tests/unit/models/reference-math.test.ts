// The reference's building blocks, checked against values worked out by hand or published tables.
import { describe, expect, it } from 'vitest'
import { float32ToBfloat16Bits, float32ToFloat16Bits } from '../../helpers/half-floats'
import { applyRope, bfloat16BitsToNumber, float16BitsToNumber, inverseFrequencies, relativePositionBucket } from '../../reference'
import { attention } from '../../reference/attention'
import { activation, erf } from '../../reference/math'

describe('float16 / bfloat16', () => {
  it('decodes known bit patterns exactly', () => {
    expect(float16BitsToNumber(0x3c00)).toBe(1)
    expect(float16BitsToNumber(0xc000)).toBe(-2)
    expect(float16BitsToNumber(0x7bff)).toBe(65504)
    expect(float16BitsToNumber(0x0001)).toBe(2 ** -24)
    expect(float16BitsToNumber(0x3555)).toBe(0.333251953125)
    expect(float16BitsToNumber(0x7c00)).toBe(Infinity)
    expect(float16BitsToNumber(0xfe00)).toBeNaN()
    expect(bfloat16BitsToNumber(0x3f80)).toBe(1)
    expect(bfloat16BitsToNumber(0x3eab)).toBe(0.333984375)
    expect(bfloat16BitsToNumber(0xc2f7)).toBe(-123.5)
  })

  it('the test-model encoders round to nearest even, as torch does', () => {
    expect(float32ToFloat16Bits(1 / 3)).toBe(0x3555)
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff)
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00) // halfway to the next binade rounds to Inf
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001)
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000) // a tie, to even (zero)
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00) // tie between 1 and 1+2^-10 → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02) // tie → even (up)
    expect(float32ToFloat16Bits(-0)).toBe(0x8000)
    expect(float32ToBfloat16Bits(1 / 3)).toBe(0x3eab)
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80) // tie → even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82)
    for (const v of [0.1, -7.25, 1e-3, 3.14159, 1e-6, 60000]) {
      expect(Math.abs(float16BitsToNumber(float32ToFloat16Bits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25)
      expect(Math.abs(bfloat16BitsToNumber(float32ToBfloat16Bits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -8)
    }
  })
})

describe('activations', () => {
  it('erf matches published values to ~1e-15', () => {
    const table: [number, number][] = [[0, 0], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [2.5, 0.999593047982555], [3, 0.9999779095030014], [-1, -0.8427007929497149]]
    for (const [x, y] of table) expect(Math.abs(erf(x) - y)).toBeLessThan(2e-15)
  })
  it('gelu (erf), gelu_new (tanh), silu at hand-checked points', () => {
    expect(activation('gelu')(1)).toBeCloseTo(0.8413447460685429, 14) // Φ(1)
    expect(activation('gelu_new')(1)).toBeCloseTo(0.5 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * 1.044715)), 15)
    expect(Math.abs(activation('gelu_new')(1) - activation('gelu')(1))).toBeLessThan(2e-4) // the tanh form approximates erf's
    expect(activation('silu')(2)).toBeCloseTo(2 / (1 + Math.exp(-2)), 15)
  })
})

describe('rotary embeddings', () => {
  it('inverse frequencies: θ^(−2i/d), linear scaling, and Llama 3.1 bands', () => {
    expect(Array.from(inverseFrequencies(8, 10000, null))).toEqual([1, 0.1, 0.01, 0.001].map((v, i) => expect.closeTo(v, 15 - i)))
    expect(Array.from(inverseFrequencies(8, 10000, { kind: 'linear', factor: 2 }))).toEqual([0.5, 0.05, 0.005, 0.0005].map((v) => expect.closeTo(v, 15)))
    // original context 64, low 1, high 4: wavelengths 2π·[1, 10, 100, 1000] against the band [16, 64]
    const llama3 = inverseFrequencies(8, 10000, { kind: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 64 })
    const smooth = (64 / (2 * Math.PI * 10) - 1) / 3
    expect(llama3[0]).toBeCloseTo(1, 15) // wavelength 6.3 < 16: kept
    expect(llama3[1]).toBeCloseTo((1 - smooth) * 0.1 / 8 + smooth * 0.1, 15) // 62.8 in [16, 64]: blended
    expect(llama3[2]).toBeCloseTo(0.01 / 8, 15) // 628 > 64: slowed
    expect(llama3[3]).toBeCloseTo(0.001 / 8, 15)
  })

  it('rotates pairs (i, i + d/2): [1, 0] at angle π/2 becomes [0, 1]', () => {
    const x = Float64Array.from([1, 0])
    applyRope(x, 1, 1, 2, [Math.PI / 2], Float64Array.from([1]))
    expect(x[0]).toBeCloseTo(0, 15)
    expect(x[1]).toBeCloseTo(1, 15)
    // Not interleaved: with d = 4 the pairs are (0, 2) and (1, 3).
    const y = Float64Array.from([1, 0, 0, 0])
    applyRope(y, 1, 1, 4, [Math.PI / 2], Float64Array.from([1, 1]))
    expect(Array.from(y).map((v) => Math.round(v * 1e12) / 1e12)).toEqual([0, 0, 1, 0])
  })

  it('q·k depends only on the distance between positions', () => {
    const inv = inverseFrequencies(8, 10000, null)
    const dotAt = (pq: number, pk: number) => {
      const q = Float64Array.from([0.3, -1, 2, 0.5, 1, 0.1, -0.7, 0.2])
      const k = Float64Array.from([1, 0.4, -0.2, 0.9, -1.5, 0.3, 0.8, -0.6])
      applyRope(q, 1, 1, 8, [pq], inv)
      applyRope(k, 1, 1, 8, [pk], inv)
      return q.reduce((s, v, i) => s + v * k[i], 0)
    }
    expect(dotAt(7, 3)).toBeCloseTo(dotAt(4, 0), 12)
    expect(dotAt(7, 3)).not.toBeCloseTo(dotAt(5, 0), 3)
  })
})

describe('T5 relative position buckets', () => {
  it('bidirectional, 32 buckets, max distance 128 (worked by hand)', () => {
    const bucket = (relative: number) => relativePositionBucket(relative, true, 32, 128)
    // keys before the query: buckets 0..15; after: 16..31. Exact below 8, then log-spaced up to 128.
    expect([0, -1, -7, 1, 7].map(bucket)).toEqual([0, 1, 7, 17, 23])
    expect(bucket(-8)).toBe(8) // 8 + ⌊log(1)/log(16)·8⌋
    expect(bucket(-12)).toBe(9) // 8 + ⌊log(1.5)/log(16)·8⌋ = 8 + ⌊1.17⌋
    expect(bucket(-16)).toBe(10) // 8 + ⌊0.25·8⌋ — exactly on a boundary, as float32 computes it
    expect(bucket(-127)).toBe(15)
    expect(bucket(-128)).toBe(15) // capped at the last bucket
    expect(bucket(-10000)).toBe(15)
    expect(bucket(10000)).toBe(31)
  })
  it('unidirectional (decoder), 32 buckets: all for the past, later keys in bucket 0', () => {
    const bucket = (relative: number) => relativePositionBucket(relative, false, 32, 128)
    expect([0, -1, -15, 3].map(bucket)).toEqual([0, 1, 15, 0])
    expect(bucket(-20)).toBe(17) // 16 + ⌊log(1.25)/log(8)·16⌋ = 16 + ⌊1.72⌋
    expect(bucket(-128)).toBe(31)
  })
})

describe('attention', () => {
  it('groups query heads onto kv heads in order (head h reads kv head ⌊h·kv/heads⌋) and averages when scores tie', () => {
    // 4 query heads, 2 kv heads, head_dim 1, q = 0 so every visible key weighs the same.
    const v = Float64Array.from([10, 20, 30, 40]) // two keys × two kv heads: key0 → [10, 20], key1 → [30, 40]
    const out = attention({
      q: new Float64Array(4 * 2), k: new Float64Array(4), v, queries: 2, keys: 2, heads: 4, kvHeads: 2, headDim: 1, scale: 1,
      visible: (i, j) => j <= i,
    })
    expect(Array.from(out)).toEqual([10, 10, 20, 20, 20, 20, 30, 30])
  })
})
