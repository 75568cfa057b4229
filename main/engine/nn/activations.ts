import { F, type Value } from '../ir'

/** SiLU (swish): x·σ(x). */
export function silu(x: Value): Value {
  return F.mul(x, F.sigmoid(x))
}

/** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: Value): Value {
  return F.mul(F.mul(x, 0.5), F.add(F.erf(F.mul(x, Math.SQRT1_2)), 1))
}

/** GELU, tanh approximation ("gelu_new", "gelu_pytorch_tanh"): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(x: Value): Value {
  const cube = F.mul(F.mul(x, x), x)
  const inner = F.mul(F.add(x, F.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI))
  return F.mul(F.mul(x, 0.5), F.add(F.tanh(inner), 1))
}

export type Activation = 'silu' | 'gelu' | 'gelu_tanh' | 'relu'

export function activation(name: Activation, x: Value): Value {
  switch (name) {
    case 'silu':
      return silu(x)
    case 'gelu':
      return gelu(x)
    case 'gelu_tanh':
      return geluTanh(x)
    case 'relu':
      return F.maximum(x, 0)
  }
}
