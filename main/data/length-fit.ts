// How many of a dataset's examples fit a run's max_length, from the token lengths its import
// counted (the import report's histogram): a run skips every example longer than max_length
// (example-pipeline.ts), which the New run form and `train --check` should say before Start,
// not the run's log after it.
import type { LengthStats } from './length-stats'

export interface LengthFit {
  /** Examples certainly longer than max_length, and those that may be (a histogram bar that straddles it). */
  longerAtLeast: number
  longerAtMost: number
  count: number
}

export function examplesLongerThan(stats: LengthStats, maxLength: number): LengthFit {
  let atLeast = 0
  let atMost = 0
  if (stats.max > maxLength) {
    for (const bar of stats.histogram) {
      // A bar holds lengths binStart <= length < binEnd.
      if (bar.binStart > maxLength) atLeast += bar.count
      if (bar.binEnd - 1 > maxLength) atMost += bar.count
    }
  }
  return { longerAtLeast: atLeast, longerAtMost: atMost, count: stats.count }
}

/** The least max_length that keeps every example, rounded up to a multiple of 64, within the model's context. */
export function maxLengthKeepingAll(stats: LengthStats, context: number | null): number {
  const rounded = Math.ceil(stats.max / 64) * 64
  return context !== null ? Math.min(rounded, context) : rounded
}
