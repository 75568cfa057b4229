import type { Value } from '../ir'
import { F } from '../ir'
import { activation, type Activation } from './activations'
import { linear } from './linear'

export interface GatedFfnWeights { gate: Value; up: Value; down: Value }

/** down(act(gate(x)) ⊙ up(x)): SwiGLU with 'silu' (Llama), gated GELU with 'gelu'/'gelu_tanh' (Gemma, T5 v1.1). */
export function gatedFfn(x: Value, w: GatedFfnWeights, act: Activation = 'silu'): Value {
  return linear(F.mul(activation(act, linear(x, w.gate)), linear(x, w.up)), w.down)
}

export interface PlainFfnWeights { fcIn: Value; fcInBias?: Value | null; fcOut: Value; fcOutBias?: Value | null }

/** fcOut(act(fcIn(x))): GPT-2 ('gelu_tanh'), T5 v1.0 ('relu'). */
export function plainFfn(x: Value, w: PlainFfnWeights, act: Activation = 'gelu'): Value {
  return linear(activation(act, linear(x, w.fcIn, w.fcInBias)), w.fcOut, w.fcOutBias)
}
