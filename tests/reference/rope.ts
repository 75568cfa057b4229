// Rotary position embeddings as transformers applies them to Llama-family models: the head is
// split in two halves, x' = x·cos + rotate_half(x)·sin with rotate_half([a, b]) = [−b, a], and
// pair i (elements i and i + headDim/2) turns by position·invFreq[i].

export type RopeScalingConfig =
  | null
  | { kind: 'linear'; factor: number }
  | { kind: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalContext: number }

/** invFreq[i] = θ^(−2i/headDim), rescaled as the config asks. */
export function inverseFrequencies(headDim: number, theta: number, scaling: RopeScalingConfig): Float64Array {
  const half = headDim / 2
  const inv = Float64Array.from({ length: half }, (_, i) => theta ** (-(2 * i) / headDim))
  if (!scaling) return inv
  if (scaling.kind === 'linear') return inv.map((f) => f / scaling.factor)
  // Llama 3.1: wavelengths longer than originalContext/lowFreqFactor are slowed by `factor`,
  // shorter than originalContext/highFreqFactor kept, and the band between blended linearly in
  // originalContext/wavelength.
  const { factor, lowFreqFactor, highFreqFactor, originalContext } = scaling
  const longest = originalContext / lowFreqFactor
  const shortest = originalContext / highFreqFactor
  return inv.map((f) => {
    const wavelength = (2 * Math.PI) / f
    if (wavelength > longest) return f / factor
    if (wavelength < shortest) return f
    const smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor)
    return (1 - smooth) * (f / factor) + smooth * f
  })
}

/** Rotates every head of row t of x [T, heads·headDim] in place by positions[t]. */
export function applyRope(x: Float64Array, rows: number, heads: number, headDim: number, positions: readonly number[], invFreq: Float64Array): void {
  const half = headDim / 2
  for (let t = 0; t < rows; t++) {
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim
      for (let i = 0; i < half; i++) {
        const angle = positions[t] * invFreq[i]
        const cos = Math.cos(angle)
        const sin = Math.sin(angle)
        const first = x[base + i]
        const second = x[base + i + half]
        x[base + i] = first * cos - second * sin
        x[base + i + half] = second * cos + first * sin
      }
    }
  }
}
