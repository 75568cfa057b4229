/** Summary of example lengths, with a histogram the UI can draw. */
export interface LengthStats {
  unit: 'tokens' | 'characters'
  count: number
  total: number
  min: number
  max: number
  mean: number
  p50: number
  p90: number
  p99: number
  /** Bars in order of length, each counting the examples with binStart <= length < binEnd. */
  histogram: { binStart: number; binEnd: number; count: number }[]
}

/**
 * Counts lengths per value (or per bucket of `bucket` values), so memory depends on the spread
 * of lengths, not on the number of examples. Exact by default, characters too: there are no more
 * distinct lengths than characters in the longest example, and buckets of 16 drew a dataset of
 * 133 to 149 characters as two bars, its median at a bucket's edge.
 */
export class LengthCounter {
  private readonly counts = new Map<number, number>()
  private count = 0
  private total = 0
  private min = Infinity
  private max = 0

  constructor(
    readonly unit: 'tokens' | 'characters',
    /** Lengths are counted in buckets of this width (1 = exact). */
    private readonly bucket = 1,
  ) {}

  add(length: number): void {
    const key = Math.floor(length / this.bucket)
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    this.count++
    this.total += length
    if (length < this.min) this.min = length
    if (length > this.max) this.max = length
  }

  summary(bins = 20): LengthStats {
    if (this.count === 0) {
      return { unit: this.unit, count: 0, total: 0, min: 0, max: 0, mean: 0, p50: 0, p90: 0, p99: 0, histogram: [] }
    }
    const keys = [...this.counts.keys()].sort((a, b) => a - b)
    const quantile = (q: number) => {
      const rank = Math.ceil(q * this.count)
      let seen = 0
      for (const key of keys) {
        seen += this.counts.get(key) as number
        if (seen >= rank) return Math.min(this.max, key * this.bucket + this.bucket - 1)
      }
      return this.max
    }
    // A bar spans whole counting buckets: lengths counted as "64–79" cannot be told apart, so
    // they must land in one bar whose range holds them all (bars narrower than a bucket put a
    // length of 74 in a bar labelled 72). Edges are clamped to the lengths seen.
    const firstKey = keys[0]
    const keysPerBar = Math.max(1, Math.ceil((keys[keys.length - 1] - firstKey + 1) / bins))
    const histogram: LengthStats['histogram'] = []
    for (const key of keys) {
      const bar = Math.floor((key - firstKey) / keysPerBar)
      while (histogram.length <= bar) {
        const startKey = firstKey + histogram.length * keysPerBar
        histogram.push({
          binStart: Math.max(this.min, startKey * this.bucket),
          binEnd: Math.min(this.max + 1, (startKey + keysPerBar) * this.bucket),
          count: 0,
        })
      }
      histogram[bar].count += this.counts.get(key) as number
    }
    return {
      unit: this.unit,
      count: this.count,
      total: this.total,
      min: this.min,
      max: this.max,
      mean: this.total / this.count,
      p50: quantile(0.5),
      p90: quantile(0.9),
      p99: quantile(0.99),
      histogram,
    }
  }
}
