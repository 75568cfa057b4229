import { describe, expect, it } from 'vitest'
import { validationCount, validationMask } from '../../../main/data'

const members = (mask: Uint8Array) => [...mask.keys()].filter((i) => mask[i] === 1)

describe('seeded train/validation split', () => {
  it('is the same set for the same seed, and a different one for another seed', () => {
    const a = members(validationMask({ kind: 'fraction', fraction: 0.1, seed: 42 }, 1000))
    const b = members(validationMask({ kind: 'fraction', fraction: 0.1, seed: 42 }, 1000))
    const c = members(validationMask({ kind: 'fraction', fraction: 0.1, seed: 7 }, 1000))
    expect(a).toEqual(b)
    expect(a).toHaveLength(100)
    expect(c).toHaveLength(100)
    expect(c).not.toEqual(a)
  })

  it('is pinned: these indices must not change between versions (runs would silently change)', () => {
    expect(members(validationMask({ kind: 'count', count: 5, seed: 42 }, 50))).toEqual([12, 22, 30, 34, 42])
  })

  it('by count, clamped to the number of examples; none and file select nothing here', () => {
    expect(validationCount({ kind: 'count', count: 30, seed: 1 }, 20)).toBe(20)
    expect(members(validationMask({ kind: 'count', count: 30, seed: 1 }, 20))).toHaveLength(20)
    expect(validationCount({ kind: 'fraction', fraction: 0.05, seed: 1 }, 30)).toBe(2)
    expect(members(validationMask({ kind: 'none' }, 10))).toEqual([])
    expect(members(validationMask({ kind: 'file', datasetId: 'x' }, 10))).toEqual([])
  })
})
