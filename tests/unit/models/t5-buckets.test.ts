import { describe, expect, it } from 'vitest'
import { relativePositionBucket as engineBucket } from '../../../main/engine/models/t5-buckets'
import { relativePositionBucket as referenceBucket } from '../../reference'

// The engine takes the logarithm of the distance in float32 (as transformers does); the reference
// walks the log buckets' start distances in float64. Distances on a bucket's start (16, 32 and 64
// for T5's defaults) are where the two could part.
const layouts = [
  { numBuckets: 32, maxDistance: 128 }, // transformers' T5Config defaults (t5-small … t5-11b, flan-t5)
  { numBuckets: 8, maxDistance: 16 }, // the tiny test models'
  { numBuckets: 64, maxDistance: 256 },
  { numBuckets: 32, maxDistance: 64 },
  { numBuckets: 20, maxDistance: 100 }, // directions of 10 buckets: 5 exact, 5 logarithmic over a ratio of 20
  { numBuckets: 12, maxDistance: 40 }, // 3 exact per direction when bidirectional (an odd split)
]

describe('the engine\'s T5 relative position buckets against the reference', () => {
  for (const { numBuckets, maxDistance } of layouts) {
    for (const bidirectional of [true, false]) {
      it(`${numBuckets} buckets, max distance ${maxDistance}, ${bidirectional ? 'bidirectional (encoder)' : 'unidirectional (decoder)'}`, () => {
        const limit = 4 * maxDistance
        const differing: string[] = []
        for (let relative = -limit; relative <= limit; relative++) {
          const engine = engineBucket(relative, bidirectional, numBuckets, maxDistance)
          const reference = referenceBucket(relative, bidirectional, numBuckets, maxDistance)
          if (engine !== reference) differing.push(`relative ${relative}: engine ${engine}, reference ${reference}`)
        }
        expect(differing).toEqual([])
      })
    }
  }

  it('uses every bucket of the layout, in order of distance, for T5\'s defaults', () => {
    // A check that the comparison above compares something: keys before the query (and the query
    // itself) fill 0..15; keys after it 17..31, since no key after it is at distance 0.
    const before = Array.from({ length: 200 }, (_, d) => referenceBucket(-d, true, 32, 128))
    const after = Array.from({ length: 200 }, (_, d) => referenceBucket(d + 1, true, 32, 128))
    expect(new Set(before)).toEqual(new Set(Array.from({ length: 16 }, (_, b) => b)))
    expect(new Set(after)).toEqual(new Set(Array.from({ length: 15 }, (_, b) => 17 + b)))
    expect(before.every((b, d) => d === 0 || b >= before[d - 1])).toBe(true)
    // The log buckets start at 8, then each where the distance has grown by 16^(1/8) = √2.
    const starts = before.flatMap((b, d) => (d > 0 && b !== before[d - 1] && b >= 8 ? [d] : []))
    expect(starts).toEqual([8, 12, 16, 23, 32, 46, 64, 91])
  })
})
