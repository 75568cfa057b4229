// The dynamic loss scale of fp16 runs: halve and skip on overflow, double after a run of good steps.
import { describe, expect, it } from 'vitest'
import { INITIAL_LOSS_SCALE, initialLossScale, LOSS_SCALE_GROWTH_INTERVAL, MAX_LOSS_SCALE, nextLossScale } from '../../../main/train/loss-scale'

describe('dynamic loss scale', () => {
  it('an overflow skips the update and halves the scale', () => {
    expect(nextLossScale({ scale: 1024, goodSteps: 17 }, false)).toEqual({ kind: 'skip', next: { scale: 512, goodSteps: 0 } })
  })

  it('good steps apply; after the growth interval the scale doubles, up to its cap', () => {
    let state = initialLossScale()
    expect(state.scale).toBe(INITIAL_LOSS_SCALE)
    for (let i = 1; i < LOSS_SCALE_GROWTH_INTERVAL; i++) {
      const outcome = nextLossScale(state, true)
      expect(outcome.kind).toBe('apply')
      if (outcome.kind !== 'exhausted') state = outcome.next
    }
    expect(state).toEqual({ scale: INITIAL_LOSS_SCALE, goodSteps: LOSS_SCALE_GROWTH_INTERVAL - 1 })
    expect(nextLossScale(state, true)).toEqual({ kind: 'apply', next: { scale: 2 * INITIAL_LOSS_SCALE, goodSteps: 0 } })
    expect(nextLossScale({ scale: MAX_LOSS_SCALE, goodSteps: LOSS_SCALE_GROWTH_INTERVAL - 1 }, true)).toEqual({ kind: 'apply', next: { scale: MAX_LOSS_SCALE, goodSteps: 0 } })
  })

  it('an overflow at scale 1 is a diverging run, not a scaling problem', () => {
    expect(nextLossScale({ scale: 1, goodSteps: 0 }, false)).toEqual({ kind: 'exhausted' })
    expect(nextLossScale({ scale: 2, goodSteps: 0 }, false)).toEqual({ kind: 'skip', next: { scale: 1, goodSteps: 0 } })
  })
})
