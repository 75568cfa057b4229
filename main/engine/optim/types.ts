/** A trainable tensor as the optimizer sees it: its name (the adapter parameter's) and shape. */
export interface ParameterShape {
  readonly name: string
  readonly shape: readonly number[]
}

export type OptimizerKind = 'adamw' | 'adafactor' | 'sgd'

/**
 * Everything an optimizer needs to continue exactly where it stopped: plain numbers and
 * Float32Arrays keyed `<parameter name>/<slot>` (e.g. `model.layers.0.mlp.ia3_l/exp_avg`),
 * ready to be written into a checkpoint (safetensors or JSON + binary) by the caller.
 */
export interface OptimizerState {
  readonly kind: OptimizerKind
  /** Updates applied so far. */
  readonly step: number
  readonly tensors: Readonly<Record<string, Float32Array>>
}

export type TensorMap = Readonly<Record<string, Float32Array>>

export interface Optimizer {
  readonly kind: OptimizerKind
  /** Updates applied so far. */
  readonly step: number
  /**
   * Applies one update in place to every parameter: `params[name]` moves against
   * `grads[name]` with learning rate `lr` (the schedule's value for this update).
   * Deterministic: the same state, parameters, gradients and lr give bit-identical results.
   */
  update(params: TensorMap, grads: TensorMap, lr: number): void
  /** A copy of the state (later updates do not change it). */
  state(): OptimizerState
  /** Replaces the state with a copy of `state`; throws naming any missing, extra or mis-sized tensor. */
  loadState(state: OptimizerState): void
}
