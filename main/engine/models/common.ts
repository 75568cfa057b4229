/** "model.layers.3.mlp.gate_proj" -> "model.layers.3.mlp" */
export function parentModule(module: string): string {
  const dot = module.lastIndexOf('.')
  return dot < 0 ? module : module.slice(0, dot)
}

/** Rotary table rows when the caller does not say: the context length, capped so tables stay small. */
export function defaultMaxPositions(contextLength: number | null): number {
  return Math.min(contextLength ?? 4096, 4096)
}

import type { Value } from '../ir'
import { activation as nnActivation } from '../nn'
import type { Activation } from './spec'

/** An FFN activation named as HF's ACT2FN names it. */
export function hfActivation(name: Activation, x: Value): Value {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return nnActivation('gelu_tanh', x)
    case 'gelu':
      return nnActivation('gelu', x)
    case 'silu':
      return nnActivation('silu', x)
    case 'relu':
      return nnActivation('relu', x)
  }
}
