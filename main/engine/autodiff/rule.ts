import type { OpAttrs, OpName, Value } from '../ir'

export interface GradArgs<K extends OpName> {
  readonly inputs: readonly Value[]
  readonly outputs: readonly Value[]
  readonly attrs: OpAttrs<K>
  /** Gradient of the loss with respect to output 0 (TopK: its values), shaped like it. */
  readonly dY: Value
}

/**
 * One entry per input: a thunk building that input's gradient (shaped like the input), or null
 * when the input carries none (integer indices, bool conditions). autodiff calls a thunk only
 * when that input lies on a path from the requested parameters, so a frozen weight's gradient
 * (e.g. MatMul's dB) is never built.
 */
export type GradRule<K extends OpName> = (args: GradArgs<K>) => readonly ((() => Value) | null)[]

export type GradientRules = { readonly [K in OpName]: GradRule<K> | 'not-differentiable' }
