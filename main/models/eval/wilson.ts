// The Wilson score interval for a binomial proportion: unlike p ± z·√(p(1−p)/n) it stays inside
// [0, 1] and is not zero-width at 0 or n successes, which matters for the small eval sets people
// score an adapter on.

/** z for a two-sided 95% interval (the 0.975 quantile of the standard normal). */
export const Z_95 = 1.959964

/** [low, high] of the Wilson interval for `successes` out of `trials` (trials ≥ 1). */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): [number, number] {
  if (!Number.isInteger(trials) || trials < 1) throw new RangeError(`the Wilson interval needs at least one trial, not ${trials}`)
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) throw new RangeError(`successes must be an integer from 0 to ${trials}, not ${successes}`)
  const p = successes / trials
  const z2 = z * z
  const denominator = 1 + z2 / trials
  const center = (p + z2 / (2 * trials)) / denominator
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))
  // 0 of n and n of n give exactly 0 and 1 in exact arithmetic; floating point misses by ~1e-17,
  // which would print as a bound beside the observed accuracy rather than at it.
  return [successes === 0 ? 0 : Math.max(0, center - half), successes === trials ? 1 : Math.min(1, center + half)]
}
