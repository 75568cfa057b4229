import { describe, expect, it } from 'vitest'
import { updateBest, type BestRule } from '../../../main/train/best-metric'

const rule = (metric: string, minDelta = 0, patience: number | null = 2): BestRule => ({ metric, minDelta, patience })

describe('the watched metric', () => {
  it('an accuracy improves upwards, whatever its set is called (a set named "gloss" is no loss)', () => {
    for (const metric of ['accuracy.arc', 'accuracy.gloss', 'accuracy.eval_loss']) {
      const first = updateBest(rule(metric), null, 10, 0.5)
      expect(updateBest(rule(metric), first.state, 20, 0.6).improved).toBe(true)
      expect(updateBest(rule(metric), first.state, 20, 0.4).improved).toBe(false)
    }
  })

  it('the eval loss improves downwards, by more than min_delta, and patience counts evaluations without improvement', () => {
    const r = rule('eval_loss', 0.1, 2)
    const first = updateBest(r, null, 10, 2.0)
    expect(first).toMatchObject({ improved: true, exhausted: false, state: { value: 2, step: 10, evalsWithoutImprovement: 0 } })
    const small = updateBest(r, first.state, 20, 1.95)
    expect(small).toMatchObject({ improved: false, exhausted: false, state: { value: 2, step: 10, evalsWithoutImprovement: 1 } })
    expect(updateBest(r, small.state, 30, 1.85)).toMatchObject({ improved: true, state: { value: 1.85, step: 30, evalsWithoutImprovement: 0 } })
    expect(updateBest(r, small.state, 30, 2.5)).toMatchObject({ improved: false, exhausted: true })
  })
})
