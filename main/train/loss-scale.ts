// Dynamic loss scaling for fp16 frozen products (the scheme of Micikevicius et al. 2018, "Mixed
// Precision Training"): the train graph differentiates loss × scale so that small activation
// gradients do not flush to zero in fp16, and divides the parameter gradients by it in float32.
// An overflow (a non-finite gradient) skips that update and halves the scale; after a run of
// good steps the scale doubles again. The state is checkpointed, so a resumed run continues
// with the scale the uninterrupted run would have had.
export interface LossScaleState {
  scale: number
  /** Good steps since the scale last changed. */
  goodSteps: number
}

/** fp16 gradients below 6e-8 flush to zero; scaling the loss by this at first keeps the small ones. */
export const INITIAL_LOSS_SCALE = 2 ** 12

/** Good steps before the scale is doubled. */
export const LOSS_SCALE_GROWTH_INTERVAL = 200
/** Below 1 the scale no longer helps: an overflow there is a diverging run, not a scaling problem. */
export const MIN_LOSS_SCALE = 1
export const MAX_LOSS_SCALE = 2 ** 24

export function initialLossScale(): LossScaleState {
  return { scale: INITIAL_LOSS_SCALE, goodSteps: 0 }
}

export type LossScaleOutcome = { kind: 'apply'; next: LossScaleState } | { kind: 'skip'; next: LossScaleState } | { kind: 'exhausted' }

/** What to do with a step whose gradients were (not) all finite, and the scale after it. */
export function nextLossScale(state: LossScaleState, gradientsFinite: boolean): LossScaleOutcome {
  if (!gradientsFinite) {
    const scale = state.scale / 2
    return scale < MIN_LOSS_SCALE ? { kind: 'exhausted' } : { kind: 'skip', next: { scale, goodSteps: 0 } }
  }
  const goodSteps = state.goodSteps + 1
  if (goodSteps >= LOSS_SCALE_GROWTH_INTERVAL) return { kind: 'apply', next: { scale: Math.min(state.scale * 2, MAX_LOSS_SCALE), goodSteps: 0 } }
  return { kind: 'apply', next: { scale: state.scale, goodSteps } }
}
