import { describe, expect, it } from 'vitest'
import { learningRateAt, type ScheduleOptions } from '../../../main/engine/optim'

const at = (schedule: ScheduleOptions['schedule'], update: number, warmupSteps = 10, totalSteps = 110) => learningRateAt(update, { schedule, lr: 2e-3, warmupSteps, totalSteps })

describe('learning-rate schedules (HF get_*_schedule_with_warmup)', () => {
  it('warm up linearly from 0 at update 0 to the peak at update warmup_steps', () => {
    for (const s of ['constant', 'linear', 'cosine'] as const) {
      expect(at(s, 0)).toBe(0)
      expect(at(s, 5)).toBeCloseTo(1e-3, 15)
      expect(at(s, 10)).toBeCloseTo(2e-3, 15)
    }
  })

  it('constant stays at the peak; without warmup it starts there', () => {
    expect(at('constant', 109)).toBe(2e-3)
    expect(at('constant', 500)).toBe(2e-3)
    expect(at('constant', 0, 0)).toBe(2e-3)
  })

  it('linear decays to 0 at total_steps and stays there', () => {
    expect(at('linear', 60)).toBeCloseTo(1e-3, 15) // halfway through the 100 decay updates
    expect(at('linear', 100)).toBeCloseTo(2e-4, 15)
    expect(at('linear', 110)).toBe(0)
    expect(at('linear', 200)).toBe(0)
  })

  it('cosine follows half a cosine to 0', () => {
    expect(at('cosine', 35)).toBeCloseTo(2e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), 15)
    expect(at('cosine', 60)).toBeCloseTo(1e-3, 15)
    expect(at('cosine', 110)).toBeCloseTo(0, 15)
    expect(at('cosine', 150)).toBeGreaterThanOrEqual(0)
  })

  it('rejects a negative update index, a bad warmup and an unknown schedule', () => {
    expect(() => at('linear', -1)).toThrow(/update index -1/)
    expect(() => at('linear', 0, 2.5)).toThrow(/warmup_steps 2.5/)
    expect(() => learningRateAt(0, { schedule: 'step' as 'linear', lr: 1, warmupSteps: 0, totalSteps: 1 })).toThrow(/schedule 'step' is unknown; use one of constant, linear, cosine/)
  })
})
