// Float64 building blocks of the reference forward passes. Activations are [T, dim] row-major.

/** y[t] = W·x[t] (+ b) for an nn.Linear weight W stored [out, in]. */
export function linear(x: Float64Array, rows: number, weight: { shape: number[]; data: Float64Array }, bias?: { data: Float64Array }): Float64Array {
  const [outDim, inDim] = weight.shape
  const y = new Float64Array(rows * outDim)
  for (let t = 0; t < rows; t++) {
    for (let o = 0; o < outDim; o++) {
      let s = bias ? bias.data[o] : 0
      for (let i = 0; i < inDim; i++) s += x[t * inDim + i] * weight.data[o * inDim + i]
      y[t * outDim + o] = s
    }
  }
  return y
}

/** y[t] = x[t]·W (+ b) for a weight stored [in, out] (GPT-2's Conv1D). */
export function conv1d(x: Float64Array, rows: number, weight: { shape: number[]; data: Float64Array }, bias?: { data: Float64Array }): Float64Array {
  const [inDim, outDim] = weight.shape
  const y = new Float64Array(rows * outDim)
  for (let t = 0; t < rows; t++) {
    for (let o = 0; o < outDim; o++) {
      let s = bias ? bias.data[o] : 0
      for (let i = 0; i < inDim; i++) s += x[t * inDim + i] * weight.data[i * outDim + o]
      y[t * outDim + o] = s
    }
  }
  return y
}

/** x·w/√(mean(x²) + eps) over each row of `dim` values (Llama RMSNorm, T5 "LayerNorm"). */
export function rmsNorm(x: Float64Array, dim: number, weight: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(x.length)
  for (let r = 0; r < x.length / dim; r++) {
    let sumSquares = 0
    for (let i = 0; i < dim; i++) sumSquares += x[r * dim + i] ** 2
    const scale = 1 / Math.sqrt(sumSquares / dim + eps)
    for (let i = 0; i < dim; i++) y[r * dim + i] = x[r * dim + i] * scale * weight[i]
  }
  return y
}

/** (x − mean)/√(var + eps)·w + b over each row, biased variance (torch LayerNorm). */
export function layerNorm(x: Float64Array, dim: number, weight: Float64Array, bias: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(x.length)
  for (let r = 0; r < x.length / dim; r++) {
    let mean = 0
    for (let i = 0; i < dim; i++) mean += x[r * dim + i]
    mean /= dim
    let variance = 0
    for (let i = 0; i < dim; i++) variance += (x[r * dim + i] - mean) ** 2
    variance /= dim
    const scale = 1 / Math.sqrt(variance + eps)
    for (let i = 0; i < dim; i++) y[r * dim + i] = (x[r * dim + i] - mean) * scale * weight[i] + bias[i]
  }
  return y
}

export function addInPlace(target: Float64Array, delta: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] += delta[i]
}

export type ActivationName = 'silu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu' | 'relu'

export function activation(name: ActivationName): (x: number) => number {
  switch (name) {
    case 'silu':
      return (x) => x / (1 + Math.exp(-x))
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))
    case 'gelu':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))
    case 'relu':
      return (x) => Math.max(x, 0)
  }
}

/**
 * erf to about 1e-15: its Maclaurin series where that converges quickly, else the continued
 * fraction of erfc. (Written for the reference; the engine's own erf is not used.)
 */
export function erf(x: number): number {
  const ax = Math.abs(x)
  if (ax < 2.5) {
    // erf x = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
    let term = ax
    let sum = ax
    for (let n = 1; n < 100; n++) {
      term *= (-ax * ax) / n
      const add = term / (2 * n + 1)
      sum += add
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum
  }
  // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated bottom-up.
  let fraction = ax
  for (let k = 60; k >= 1; k--) fraction = ax + k / 2 / fraction
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction
  return Math.sign(x) * (1 - erfc)
}

/**
 * Logits [T, vocab] = x[t]·Eᵀ for a [vocab, dim] matrix (an lm_head or a tied embedding).
 */
export function project(x: Float64Array, rows: number, head: { shape: number[]; data: Float64Array }): Float64Array {
  return linear(x, rows, head)
}

/** Gathers embedding rows: [T, dim]. */
export function embed(table: { shape: number[]; data: Float64Array }, ids: readonly number[]): Float64Array {
  const [vocab, dim] = table.shape
  const out = new Float64Array(ids.length * dim)
  ids.forEach((id, t) => {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new Error(`reference: token id ${id} is outside the vocabulary (${vocab})`)
    out.set(table.data.subarray(id * dim, (id + 1) * dim), t * dim)
  })
  return out
}
