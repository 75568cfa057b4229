import { describe, expect, it } from 'vitest'
import { validationCount, validationMask } from '../../../main/data'
import { splitLeavesFew, splitLeavesNothing } from '../../../main/data/split'

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

describe('a split judged before anything is created', () => {
  it('refuses one that holds out every example, with the numbers, and passes one that leaves one', () => {
    expect(splitLeavesNothing({ kind: 'count', count: 500, seed: 1 }, 150)).toBe('Holding out 500 of the 150 examples leaves none to train on: hold out at most 149.')
    expect(splitLeavesNothing({ kind: 'fraction', fraction: 0.99, seed: 1 }, 20)).toBe('Holding out 99 % of the 20 examples leaves none to train on: hold out at most 19.')
    expect(splitLeavesNothing({ kind: 'count', count: 149, seed: 1 }, 150)).toBeNull()
    expect(splitLeavesNothing({ kind: 'none' }, 3)).toBeNull()
  })

  it('warns when very few are left to train on, or fewer than are held out (100 of 120)', () => {
    expect(splitLeavesFew({ kind: 'count', count: 100, seed: 1 }, 120)).toBe('Only 20 of the 120 examples are left to train on (100 held out): hold out fewer unless that is what you want.')
    expect(splitLeavesFew({ kind: 'count', count: 5, seed: 1 }, 12)).toContain('Only 7 of the 12 examples')
    expect(splitLeavesFew({ kind: 'count', count: 12, seed: 1 }, 120)).toBeNull()
    expect(splitLeavesFew({ kind: 'fraction', fraction: 0.05, seed: 1 }, 1000)).toBeNull()
  })
})
