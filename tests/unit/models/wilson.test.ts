// The Wilson score interval against values computed by hand (and by statsmodels'
// proportion_confint(method="wilson")), including the ends where a normal interval collapses.
import { describe, expect, it } from 'vitest'
import { wilsonInterval, Z_95 } from '../../../main/models/eval/wilson'

describe('wilsonInterval', () => {
  it.each([
    [8, 10, 0.4902, 0.9433],
    [5, 8, 0.3057, 0.8632],
    [0, 5, 0, 0.4345],
    [5, 5, 0.5655, 1],
    [1, 1, 0.2065, 1],
    [50, 100, 0.4038, 0.5962],
  ])('%i of %i → [%f, %f]', (successes, trials, lo, hi) => {
    const [low, high] = wilsonInterval(successes, trials)
    expect(low).toBeCloseTo(lo, 4)
    expect(high).toBeCloseTo(hi, 4)
  })

  it('uses z = 1.959964 and stays inside [0, 1]', () => {
    expect(Z_95).toBe(1.959964)
    for (let n = 1; n <= 30; n++) {
      for (let k = 0; k <= n; k++) {
        const [low, high] = wilsonInterval(k, n)
        expect(low).toBeGreaterThanOrEqual(0)
        expect(high).toBeLessThanOrEqual(1)
        expect(low).toBeLessThanOrEqual(k / n)
        expect(high).toBeGreaterThanOrEqual(k / n)
      }
    }
  })

  it('refuses no trials and impossible counts', () => {
    expect(() => wilsonInterval(0, 0)).toThrow(/at least one trial/)
    expect(() => wilsonInterval(6, 5)).toThrow(/from 0 to 5/)
    expect(() => wilsonInterval(1.5, 5)).toThrow(/from 0 to 5/)
  })
})
