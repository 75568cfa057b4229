// Metric curves as the charts hold them: points by step, merged from the first read and from live
// events without duplicates (a resumed run repeats steps after its checkpoint: the newer value wins).

export interface Point {
  step: number
  value: number
}

/** Points merged into a curve kept sorted by step; a step seen again takes the new value. */
export function mergePoints(curve: readonly Point[], points: readonly Point[]): Point[] {
  if (points.length === 0) return curve as Point[]
  const last = curve.at(-1)
  // The live case: new points after the last, in order; nothing to merge beyond the append.
  if ((!last || points[0].step > last.step) && points.every((p, i) => i === 0 || p.step > points[i - 1].step)) return [...curve, ...points]
  const byStep = new Map(curve.map((p) => [p.step, p.value]))
  for (const p of points) byStep.set(p.step, p.value)
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }))
}

/**
 * Step → tokens seen by the end of that step, from the per-step `tokens` metric (step 0, before
 * training, is 0). Steps without a count (runs from before it was logged) make the map null.
 */
export function tokensSeenByStep(tokens: readonly Point[]): Map<number, number> | null {
  if (tokens.length === 0) return null
  const seen = new Map<number, number>([[0, 0]])
  let total = 0
  for (const p of tokens) {
    total += p.value
    seen.set(p.step, total)
  }
  return seen
}

/** A curve re-plotted against tokens seen; points at steps with no count are dropped. */
export function againstTokens(curve: readonly Point[], seen: Map<number, number>): [number, number][] {
  return curve.flatMap((p) => {
    const x = seen.get(p.step)
    return x === undefined ? [] : [[x, p.value] as [number, number]]
  })
}

/** The lowest value of a curve, or null when it is empty (e.g. a run without validation data). */
export function lowest(curve: readonly Point[] | undefined): number | null {
  if (!curve || curve.length === 0) return null
  return curve.reduce((min, p) => Math.min(min, p.value), Number.POSITIVE_INFINITY)
}
