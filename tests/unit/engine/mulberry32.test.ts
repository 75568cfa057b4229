// The one mulberry32 (main/engine/random.ts) draws the sequences its users drew from their own
// copies before: a dataset's held-out rows for a seed must stay the same across versions, and the
// tiny models and inputs tests build must not change under them. The numbers below come from the
// copy main/data/split.ts had.
import { describe, expect, it } from 'vitest'
import { validationMask } from '../../../main/data/split'
import { randomFloats } from '../../../main/bench/timing'
import { mulberry32, seededUniform } from '../../../main/engine/random'

const first4 = (next: () => number) => [next(), next(), next(), next()]

describe('mulberry32', () => {
  it('draws the pinned sequences, seeds taken as 32-bit unsigned', () => {
    expect(first4(mulberry32(0))).toEqual([1144304738, 1416247, 958946056, 627933444])
    expect(first4(mulberry32(42))).toEqual([2581720956, 1925393290, 3661312704, 2876485805])
    expect(first4(mulberry32(-1))).toEqual([3850105811, 813802916, 3073704848, 4054706436])
    expect(first4(seededUniform(42))).toEqual([2581720956, 1925393290, 3661312704, 2876485805].map((n) => n / 4294967296))
  })

  it("keeps a dataset's held-out rows for a seed, and the benchmark's inputs", () => {
    const held = (mask: Uint8Array) => [...mask].flatMap((v, i) => (v ? [i] : []))
    expect(held(validationMask({ kind: 'count', count: 5, seed: 1234 }, 20))).toEqual([1, 4, 14, 18, 19])
    expect(held(validationMask({ kind: 'fraction', fraction: 0.25, seed: 7 }, 12))).toEqual([0, 1, 11])
    expect([...randomFloats(2, 1, 42)]).toEqual([...Float32Array.from([2581720956, 1925393290], (n) => (n / 4294967296) * 2 - 1)])
  })
})
