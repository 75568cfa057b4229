// Learning-rate schedules with linear warmup, as HF transformers' get_constant_schedule_with_warmup,
// get_linear_schedule_with_warmup and get_cosine_schedule_with_warmup (0.5 cycles) compute them.
// `update` counts the updates already applied (0 for the first), as HF's LambdaLR is queried,
// so with warmup the first update runs at lr·0 and update `warmupSteps` reaches the peak.
import { OptimizerError } from './slots'

export const SCHEDULE_NAMES = ['constant', 'linear', 'cosine'] as const
export type ScheduleName = (typeof SCHEDULE_NAMES)[number]

export interface ScheduleOptions {
  schedule: ScheduleName
  /** Peak learning rate. */
  lr: number
  warmupSteps: number
  /** Updates in the whole run (linear and cosine decay to 0 there). */
  totalSteps: number
}

function check(options: ScheduleOptions): void {
  const { lr, warmupSteps, totalSteps, schedule } = options
  if (!SCHEDULE_NAMES.includes(schedule)) throw new OptimizerError(`schedule '${schedule}' is unknown; use one of ${SCHEDULE_NAMES.join(', ')}`)
  if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`lr ${lr} must be a finite number >= 0`)
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new OptimizerError(`warmup_steps ${warmupSteps} must be an integer >= 0`)
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new OptimizerError(`max_steps ${totalSteps} must be an integer >= 1`)
}

/** The multiplier of the peak lr at `update` (HF's lr_lambda). */
export function scheduleFactor(update: number, options: ScheduleOptions): number {
  check(options)
  if (!Number.isInteger(update) || update < 0) throw new OptimizerError(`update index ${update} must be an integer >= 0`)
  const { warmupSteps, totalSteps } = options
  if (update < warmupSteps) return update / Math.max(1, warmupSteps)
  switch (options.schedule) {
    case 'constant':
      return 1
    case 'linear':
      return Math.max(0, (totalSteps - update) / Math.max(1, totalSteps - warmupSteps))
    case 'cosine': {
      const progress = (update - warmupSteps) / Math.max(1, totalSteps - warmupSteps)
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)))
    }
  }
}

/** The learning rate for update number `update` (0-based). */
export function learningRateAt(update: number, options: ScheduleOptions): number {
  return options.lr * scheduleFactor(update, options)
}
