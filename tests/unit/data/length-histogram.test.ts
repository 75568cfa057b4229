import { describe, expect, it } from 'vitest'
import { LengthCounter, type LengthStats } from '../../../main/data/length-stats'

function summarize(unit: 'tokens' | 'characters', lengths: number[]): LengthStats {
  const counter = new LengthCounter(unit)
  for (const length of lengths) counter.add(length)
  return counter.summary()
}

/** The bar whose range (binStart <= length < binEnd) holds this length; there must be exactly one. */
function barsHolding(stats: LengthStats, length: number) {
  return stats.histogram.filter((bar) => bar.binStart <= length && length < bar.binEnd)
}

describe('length histogram bars', () => {
  it('puts 17 examples of 74 characters in a bar whose range holds 74, not one labelled 72', () => {
    const stats = summarize('characters', [72, ...Array<number>(17).fill(74), 80, 88])
    const [bar] = barsHolding(stats, 74)
    expect(bar.count).toBe(17 + 1) // 72 and 74 were counted in the same bucket, so they share a bar
    expect(bar.binStart).toBeLessThanOrEqual(72)
    expect(bar.binEnd).toBeGreaterThan(74)
    expect(stats.histogram.find((b) => b.binStart === 72 && b.binEnd === 73)).toBeUndefined()
  })

  it('counts every example in the one bar whose range holds its length', () => {
    // Lengths spread so that counting buckets (16 characters) straddle the edges of evenly cut bars.
    const lengths = [3, 17, 40, 41, 95, 200, 333, 334, 335, 1000, 1017, 2048, ...Array.from({ length: 300 }, (_, i) => 50 + ((i * 37) % 911))]
    for (const unit of ['tokens', 'characters'] as const) {
      const stats = summarize(unit, lengths)
      for (const length of lengths) expect(barsHolding(stats, length), `${unit} ${length}`).toHaveLength(1)
      const total = stats.histogram.reduce((sum, bar) => sum + bar.count, 0)
      expect(total).toBe(lengths.length)
      const held = (bar: LengthStats['histogram'][number]) => lengths.filter((l) => bar.binStart <= l && l < bar.binEnd).length
      for (const bar of stats.histogram) expect(bar.count, `${unit} ${bar.binStart}–${bar.binEnd}`).toBe(held(bar))
    }
  })

  it('draws bars that follow each other without gaps, from the shortest length to the longest', () => {
    const stats = summarize('characters', [10, 500, 999])
    expect(stats.histogram[0].binStart).toBe(10)
    expect(stats.histogram.at(-1)?.binEnd).toBe(1000)
    for (let i = 1; i < stats.histogram.length; i++) expect(stats.histogram[i].binStart).toBe(stats.histogram[i - 1].binEnd)
    expect(stats.histogram.length).toBeLessThanOrEqual(20)
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
