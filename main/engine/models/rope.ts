// Rotary embeddings of the Llama family, with HF's rope_scaling variants. The op set has no Sin
// or Cos, so cos/sin rows are computed here in float64 and baked in as [positions, headDim] tables.
import type { Graph } from '../ir'
import type { RopeSpec } from './spec'
import type { RotaryTables } from '../nn'

/** invFreq[i] = θ^(−2i/headDim), rescaled as rope_scaling asks. */
export function inverseFrequencies(headDim: number, rope: RopeSpec): Float64Array {
  const half = headDim / 2
  const inv = Float64Array.from({ length: half }, (_, i) => rope.theta ** (-(2 * i) / headDim))
  const s = rope.scaling
  switch (s.type) {
    case 'none':
      return inv
    case 'linear':
      return inv.map((f) => f / s.factor)
    case 'llama3': {
      // Wavelengths longer than original/low_freq_factor slow down by `factor`, shorter than
      // original/high_freq_factor stay, and the band between blends linearly.
      const longest = s.originalMaxPositionEmbeddings / s.lowFreqFactor
      const shortest = s.originalMaxPositionEmbeddings / s.highFreqFactor
      return inv.map((f) => {
        const wavelength = (2 * Math.PI) / f
        if (wavelength > longest) return f / s.factor
        if (wavelength < shortest) return f
        const smooth = (s.originalMaxPositionEmbeddings / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor)
        return (1 - smooth) * (f / s.factor) + smooth * f
      })
    }
  }
}

/** cos/sin of position·invFreq for positions [0, maxPositions), both halves of the head (HF layout). */
export function ropeTables(g: Graph, headDim: number, maxPositions: number, rope: RopeSpec): RotaryTables {
  const inv = inverseFrequencies(headDim, rope)
  const half = headDim / 2
  const cos = new Float64Array(maxPositions * headDim)
  const sin = new Float64Array(maxPositions * headDim)
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * inv[i]
      for (const j of [i, i + half]) {
        cos[p * headDim + j] = Math.cos(angle)
        sin[p * headDim + j] = Math.sin(angle)
      }
    }
  }
  return { cos: g.constant(cos, 'float32', [maxPositions, headDim]), sin: g.constant(sin, 'float32', [maxPositions, headDim]) }
}
