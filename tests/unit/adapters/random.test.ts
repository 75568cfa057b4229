// The seeded generator every adapter init draws from.
import { describe, expect, it } from 'vitest'
import { Rng } from '../../../main/engine/random'

/** xoshiro128** 1.1 written independently with BigInt arithmetic, from the reference C code. */
function referenceXoshiro(state: [number, number, number, number], count: number): number[] {
  const M = (1n << 32n) - 1n
  const s = state.map(BigInt)
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1] * 5n) & M, 7n) * 9n) & M))
    const t = (s[1] << 9n) & M
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11n)
  }
  return out
}

describe('Rng (xoshiro128** seeded by splitmix32)', () => {
  it('produces the xoshiro128** sequence (first output of state 1,2,3,4 is 11520)', () => {
    const rng = Rng.fromState([1, 2, 3, 4])
    const got = Array.from({ length: 64 }, () => rng.nextUint32())
    expect(got[0]).toBe(11520)
    expect(got).toEqual(referenceXoshiro([1, 2, 3, 4], 64))
    const high = Rng.fromState([0xdeadbeef, 0x12345678, 0xffffffff, 0x80000000])
    expect(Array.from({ length: 64 }, () => high.nextUint32())).toEqual(referenceXoshiro([0xdeadbeef, 0x12345678, 0xffffffff, 0x80000000], 64))
  })

  it('is deterministic per seed and per derived key, and differs across them', () => {
    const draw = (rng: Rng) => Array.from({ length: 8 }, () => rng.nextUint32())
    expect(draw(new Rng(42))).toEqual(draw(new Rng(42)))
    expect(draw(new Rng(42))).not.toEqual(draw(new Rng(43)))
    expect(draw(Rng.derive(42, 'model.layers.0.mlp/router'))).toEqual(draw(Rng.derive(42, 'model.layers.0.mlp/router')))
    expect(draw(Rng.derive(42, 'model.layers.0.mlp/router'))).not.toEqual(draw(Rng.derive(42, 'model.layers.1.mlp/router')))
    expect(draw(Rng.derive(42, 'a'))).not.toEqual(draw(Rng.derive(7, 'a')))
    expect(() => new Rng(1.5)).toThrow(/integer/)
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all zero/)
  })

  it('draws uniforms in [0, 1) and normals with the asked mean and std', () => {
    const rng = new Rng(7)
    const n = 200_000
    const uniforms = Array.from({ length: n }, () => rng.uniform())
    expect(uniforms.every((u) => u >= 0 && u < 1)).toBe(true)
    expect(uniforms.reduce((a, b) => a + b, 0) / n).toBeCloseTo(0.5, 2)
    const normals = new Rng(8).normalArray(n, 0, 0.02)
    const mean = normals.reduce((a, b) => a + b, 0) / n
    const std = Math.sqrt(normals.reduce((a, b) => a + (b - mean) ** 2, 0) / n)
    expect(Math.abs(mean)).toBeLessThan(3 * (0.02 / Math.sqrt(n)))
    expect(std).toBeGreaterThan(0.0199)
    expect(std).toBeLessThan(0.0201)
    // tails: about 4.55% of N(0,1) lies beyond 2σ
    const beyond = normals.filter((v) => Math.abs(v) > 0.04).length / n
    expect(beyond).toBeGreaterThan(0.043)
    expect(beyond).toBeLessThan(0.048)
  })
})
