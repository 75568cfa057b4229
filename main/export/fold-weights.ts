// Folding a LoRA or (IA)³ target into one base weight, on float32 values in the weight's own
// layout (nn.Linear [out, in], GPT-2 Conv1D [in, out]). Pure; merged.ts does the file I/O.
import { projectionFeatures, type FoldTarget } from './fold-plan'

/** Index of element (out o, in i) in the stored weight. */
function indexer(target: FoldTarget): (o: number, i: number) => number {
  const { inFeatures, outFeatures } = projectionFeatures(target.weight)
  return target.weight.layout === 'conv1d' ? (o, i) => i * outFeatures + o : (o, i) => o * inFeatures + i
}

/** The target's weight after folding: W + (α/r)·B·A, or W with its output rows / input columns scaled. */
export function foldWeight(target: FoldTarget, weight: Float32Array): Float32Array {
  const { inFeatures, outFeatures } = projectionFeatures(target.weight)
  if (weight.length !== inFeatures * outFeatures) throw new Error(`internal: ${target.weight.hfName} has ${weight.length} values, expected ${inFeatures}·${outFeatures}`)
  const at = indexer(target)
  const out = weight.slice()
  switch (target.kind) {
    case 'low-rank': {
      const a = target.a.data // [r, in]
      const b = target.b.data // [out, r]
      const r = target.a.shape[0]
      for (let o = 0; o < outFeatures; o++) {
        for (let i = 0; i < inFeatures; i++) {
          let delta = 0
          for (let k = 0; k < r; k++) delta += b[o * r + k] * a[k * inFeatures + i]
          out[at(o, i)] += target.scale * delta
        }
      }
      return out
    }
    case 'scale-outputs':
      for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) out[at(o, i)] *= target.scales[o]
      return out
    case 'scale-inputs':
      for (let o = 0; o < outFeatures; o++) for (let i = 0; i < inFeatures; i++) out[at(o, i)] *= target.scales[i]
      return out
  }
}

/** The target's bias after folding: scaled with its outputs; null when the bias does not change. */
export function foldBias(target: FoldTarget, bias: Float32Array): Float32Array | null {
  if (target.kind !== 'scale-outputs') return null
  return bias.map((v, o) => v * target.scales[o])
}
