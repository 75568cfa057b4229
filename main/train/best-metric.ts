// The best checkpoint and early stopping: which metric a run watches, whether an evaluation beat
// the best so far, and when patience ran out. Pure, so the trainer only asks and the state goes
// into each checkpoint (a resumed run counts its patience on from where it was).
import type { RunConfig } from '../contract/run-config'

export type EarlyStopping = NonNullable<RunConfig['train']['early_stopping']>

/** What is known about the watched metric after some evaluations. */
export interface BestState {
  metric: string
  /** The best value so far and the step that scored it. */
  value: number
  step: number
  /** Evaluations since the best that did not beat it by more than min_delta. */
  evalsWithoutImprovement: number
}

export interface BestRule {
  metric: string
  /** Better by more than this counts as an improvement (early_stopping.min_delta; 0 without early stopping). */
  minDelta: number
  /** Stop after this many evaluations without improvement; null: never stop, only track the best. */
  patience: number | null
}

/**
 * The metric a run watches: early_stopping.metric, else eval_loss when it has validation data,
 * else none (no best checkpoint: export and eval use the last one).
 */
export function bestRule(earlyStopping: EarlyStopping | null, hasValidation: boolean): BestRule | null {
  if (earlyStopping) return { metric: earlyStopping.metric, minDelta: earlyStopping.min_delta, patience: earlyStopping.patience }
  return hasValidation ? { metric: 'eval_loss', minDelta: 0, patience: null } : null
}

/**
 * The eval loss improves downwards; accuracies upwards. The only metrics early stopping accepts
 * are eval_loss and accuracy.<set> (run-config.ts), so a set named "gloss" is still an accuracy.
 */
export function lowerIsBetter(metric: string): boolean {
  return metric === 'eval_loss'
}

export interface BestUpdate {
  state: BestState
  /** This evaluation is the new best: checkpoint its step and mark it. */
  improved: boolean
  /** Patience ran out with this evaluation: the run stops here. */
  exhausted: boolean
}

/**
 * The state after an evaluation at `step` that measured `value`. A best tracked for another
 * metric (a resumed run whose configuration changed) starts over.
 */
export function updateBest(rule: BestRule, previous: BestState | null, step: number, value: number): BestUpdate {
  const prior = previous && previous.metric === rule.metric ? previous : null
  const gain = prior === null ? Infinity : lowerIsBetter(rule.metric) ? prior.value - value : value - prior.value
  if (prior === null || gain > rule.minDelta) {
    return { state: { metric: rule.metric, value, step, evalsWithoutImprovement: 0 }, improved: true, exhausted: false }
  }
  const state = { ...prior, evalsWithoutImprovement: prior.evalsWithoutImprovement + 1 }
  return { state, improved: false, exhausted: rule.patience !== null && state.evalsWithoutImprovement >= rule.patience }
}

/** The run-log line of an early stop: what did not improve, for how long, and where the best was. */
export function earlyStopMessage(rule: BestRule, state: BestState): string {
  const by = rule.minDelta > 0 ? ` by more than ${rule.minDelta}` : ''
  const evaluations = `${state.evalsWithoutImprovement} evaluation${state.evalsWithoutImprovement === 1 ? '' : 's'}`
  return `stopped early: no improvement of ${rule.metric}${by} in ${evaluations}; best was ${formatMetric(state.value)} at step ${state.step}`
}

export function formatMetric(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)))
}
