import { describe, expect, it } from 'vitest'
import { LengthCounter, type LengthStats } from '../../../main/data/length-stats'

function summarize(unit: 'tokens' | 'characters', lengths: number[], bucket?: number): LengthStats {
  const counter = new LengthCounter(unit, bucket)
  for (const length of lengths) counter.add(length)
  return counter.summary()
}

/** The bars whose range (binStart <= length < binEnd) holds this length; there must be exactly one. */
function barsHolding(stats: LengthStats, length: number) {
  return stats.histogram.filter((bar) => bar.binStart <= length && length < bar.binEnd)
}

describe('length histogram bars', () => {
  it('puts 17 examples of 74 characters in the bar of 74, not in one labelled 72', () => {
    const stats = summarize('characters', [72, ...Array<number>(17).fill(74), 80, 88])
    expect(barsHolding(stats, 74)).toEqual([{ binStart: 74, binEnd: 75, count: 17 }])
    expect(barsHolding(stats, 72)).toEqual([{ binStart: 72, binEnd: 73, count: 1 }])
    expect(stats.p50).toBe(74)
  })

  it('counted in buckets, gives a bar the range of the whole buckets it counts', () => {
    const stats = summarize('characters', [72, ...Array<number>(17).fill(74), 80, 88], 16)
    // 72 and 74 share the bucket 64–79, which cannot be split: one bar, whose range holds both.
    const [bar] = barsHolding(stats, 74)
    expect(bar).toEqual({ binStart: 72, binEnd: 80, count: 18 })
    expect(barsHolding(stats, 80)).toEqual([{ binStart: 80, binEnd: 89, count: 2 }])
  })

  it('counts every example in the one bar whose range holds its length', () => {
    // Lengths spread so that counting buckets (16) straddle the edges of evenly cut bars.
    const lengths = [3, 17, 40, 41, 95, 200, 333, 334, 335, 1000, 1017, 2048, ...Array.from({ length: 300 }, (_, i) => 50 + ((i * 37) % 911))]
    for (const bucket of [1, 16]) {
      const stats = summarize('characters', lengths, bucket)
      for (const length of lengths) expect(barsHolding(stats, length), `bucket ${bucket}, length ${length}`).toHaveLength(1)
      const held = (bar: LengthStats['histogram'][number]) => lengths.filter((l) => bar.binStart <= l && l < bar.binEnd).length
      for (const bar of stats.histogram) expect(bar.count, `bucket ${bucket}, ${bar.binStart}–${bar.binEnd}`).toBe(held(bar))
      expect(stats.histogram.length).toBeLessThanOrEqual(20)
    }
  })

  it('draws bars that follow each other without gaps, from the shortest length to the longest', () => {
    for (const bucket of [1, 16]) {
      const stats = summarize('characters', [10, 500, 999], bucket)
      expect(stats.histogram[0].binStart).toBe(10)
      expect(stats.histogram.at(-1)?.binEnd).toBe(1000)
      for (let i = 1; i < stats.histogram.length; i++) expect(stats.histogram[i].binStart).toBe(stats.histogram[i - 1].binEnd)
    }
  })

  it('gives exact token lengths one bar each when they span fewer than 20 values', () => {
    const stats = summarize('tokens', [5, 5, 7, 9])
    expect(stats.histogram).toEqual([
      { binStart: 5, binEnd: 6, count: 2 },
      { binStart: 6, binEnd: 7, count: 0 },
      { binStart: 7, binEnd: 8, count: 1 },
      { binStart: 8, binEnd: 9, count: 0 },
      { binStart: 9, binEnd: 10, count: 1 },
    ])
  })
})
