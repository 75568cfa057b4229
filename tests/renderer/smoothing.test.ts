import { describe, expect, it } from 'vitest'
import { lastSmoothedValue, smoothCurve } from '../../renderer/src/runs/smoothing'

describe('smoothCurve', () => {
  it('gives the points back at weight 0', () => {
    const points: [number, number][] = [[1, 3], [2, 1], [3, 2]]
    expect(smoothCurve(points, 0)).toEqual(points)
  })

  it('is the debiased exponential moving average', () => {
    // By hand, w = 0.5: m1 = 0.5·4 = 2 → 2 / 0.5 = 4; m2 = 0.5·2 + 0.5·2 = 2 → 2 / 0.75; m3 = 0.5·2 + 0.5·8 = 5 → 5 / 0.875.
    const smoothed = smoothCurve([[10, 4], [20, 2], [30, 8]], 0.5)
    expect(smoothed.map(([x]) => x)).toEqual([10, 20, 30])
    expect(smoothed[0][1]).toBeCloseTo(4, 12)
    expect(smoothed[1][1]).toBeCloseTo(2 / 0.75, 12)
    expect(smoothed[2][1]).toBeCloseTo(5 / 0.875, 12)
  })

  it('leaves a constant curve constant from its first point (no bias towards 0)', () => {
    const smoothed = smoothCurve(Array.from({ length: 50 }, (_, i) => [i, 2.5] as [number, number]), 0.99)
    for (const [, y] of smoothed) expect(y).toBeCloseTo(2.5, 10)
  })

  it('keeps a NaN or infinite point as it is, out of the average', () => {
    const smoothed = smoothCurve([[1, 1], [2, Number.NaN], [3, Number.POSITIVE_INFINITY], [4, 1]], 0.9)
    expect(smoothed[1][1]).toBeNaN()
    expect(smoothed[2][1]).toBe(Number.POSITIVE_INFINITY)
    expect(smoothed[3][1]).toBeCloseTo(1, 12)
  })
})

describe("the header's figure beside a smoothed chart", () => {
  it("is where the chart's smoothed line ends, not the last step's own value", () => {
    const points = [10, 30, 10, 30, 100].map((value, i) => ({ step: i + 1, value }))
    const line = smoothCurve(points.map((p) => [p.step, p.value]), 0.6)
    expect(lastSmoothedValue(points, 0.6)).toBe(line[4][1])
    expect(lastSmoothedValue(points, 0.6)).not.toBe(100)
    expect(lastSmoothedValue(points, 0)).toBe(100)
  })

  it('skips a trailing non-finite point, and is null without any finite one', () => {
    expect(lastSmoothedValue([{ step: 1, value: 5 }, { step: 2, value: Number.NaN }], 0.5)).toBe(5)
    expect(lastSmoothedValue([], 0.5)).toBeNull()
    expect(lastSmoothedValue(undefined, 0.5)).toBeNull()
  })
})
