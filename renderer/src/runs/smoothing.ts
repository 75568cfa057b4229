// Smoothing for noisy curves (a small batch's train loss, tokens per second), as TensorBoard's
// slider does it: an exponential moving average, debiased so the curve does not start at 0.

/**
 * The debiased EMA of `points` with weight `w` in [0, 1): each y becomes
 * (w·m + (1-w)·y) / (1 - w^k), with m the running average and k the finite points so far.
 * w = 0 gives the points back. A NaN or infinite value is kept as it is and does not enter the
 * average (a diverged step must show, not poison the rest of the curve).
 */
export function smoothCurve(points: readonly [number, number][], w: number): [number, number][] {
  if (w <= 0) return points.map(([x, y]) => [x, y])
  let average = 0
  let weightSoFar = 1
  return points.map(([x, y]) => {
    if (!Number.isFinite(y)) return [x, y]
    average = w * average + (1 - w) * y
    weightSoFar *= w
    return [x, average / (1 - weightSoFar)]
  })
}

/**
 * Where a curve's smoothed line ends: the figure a header beside the chart shows, so that the two
 * agree (a step's own tokens/s swings 2–4× on a busy machine, and its line is smoothed). Null
 * without a finite point.
 */
export function lastSmoothedValue(points: readonly { step: number; value: number }[] | undefined, w: number): number | null {
  const smoothed = smoothCurve((points ?? []).map((p) => [p.step, p.value]), w)
  for (let i = smoothed.length - 1; i >= 0; i--) if (Number.isFinite(smoothed[i][1])) return smoothed[i][1]
  return null
}
