// Math.erf does not exist in JS. Finite-difference checks of the Erf gradient divide forward
// errors by h ~ 1e-6, so an approximation good to 1e-7 (Abramowitz-Stegun) would be useless:
// this one is accurate to a few ulps in float64.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI)

/** erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): all terms positive. */
function erfSeries(x: number): number {
  let term = x
  let sum = x
  for (let n = 1; n < 200; n++) {
    term *= (2 * x * x) / (2 * n + 1)
    sum += term
    if (term < sum * 1e-17) break
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum
}

/** erfc(x) for x >= 3 by its continued fraction, evaluated bottom-up. */
function erfcContinuedFraction(x: number): number {
  let f = x
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN
  const a = Math.abs(x)
  const value = a < 3 ? erfSeries(a) : a > 27 ? 1 : 1 - erfcContinuedFraction(a)
  return x < 0 ? -value : value
}
