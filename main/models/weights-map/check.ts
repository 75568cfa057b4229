// Checks a checkpoint against a weight map: every tensor present, with the expected shape and a
// float dtype we can load. Pure (no I/O), so folder inspection and tests share it.
import type { WeightMapEntry } from '../../engine/models/weight-map'

/** What the checkpoint says about one tensor. */
export interface StoredTensor {
  shape: readonly number[]
  /** safetensors dtype: F32, F16, BF16 ... */
  dtype: string
  /** The file that holds it. */
  file: string
}

/** The checkpoint dtypes a model can be built from. */
export const LOADABLE_DTYPES = ['F32', 'F16', 'BF16'] as const

/** Every problem found, one line each naming file, tensor, expected and actual. Empty when all is well. */
export function checkWeights(entries: readonly WeightMapEntry[], stored: ReadonlyMap<string, StoredTensor>, searched: string): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    if (seen.has(entry.hfName)) continue
    seen.add(entry.hfName)
    const t = stored.get(entry.hfName)
    if (!t) {
      problems.push(`tensor "${entry.hfName}" [${entry.shape.join(', ')}] is missing (looked in ${searched})`)
      continue
    }
    if (!sameShape(t.shape, entry.shape)) {
      problems.push(`${t.file}: tensor "${entry.hfName}" has shape [${t.shape.join(', ')}], expected [${entry.shape.join(', ')}] from config.json`)
    }
    if (!(LOADABLE_DTYPES as readonly string[]).includes(t.dtype)) {
      problems.push(`${t.file}: tensor "${entry.hfName}" is ${t.dtype}; only ${LOADABLE_DTYPES.join(', ')} weights are supported (quantized checkpoints are not)`)
    }
  }
  return problems
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
