/** How the validation set is chosen from an imported file. */
export type SplitSpec =
  | { kind: 'none' }
  | { kind: 'fraction'; fraction: number; seed: number }
  | { kind: 'count'; count: number; seed: number }
  /** A separate validation file, imported as its own dataset. */
  | { kind: 'file'; datasetId: string }

/** How many of `total` examples go to validation. */
export function validationCount(spec: SplitSpec, total: number): number {
  switch (spec.kind) {
    case 'none':
    case 'file':
      return 0
    case 'fraction':
      return Math.min(total, Math.round(spec.fraction * total))
    case 'count':
      return Math.min(total, spec.count)
    default:
      throw new Error(`unknown split ${String((spec satisfies never as { kind: string }).kind)}`)
  }
}

/**
 * Which of `total` examples (in file order) are validation: the first k of a seeded
 * Fisher–Yates permutation. The same seed, total and k always give the same set, on any
 * machine; 1 byte per example.
 */
export function validationMask(spec: SplitSpec, total: number): Uint8Array {
  const mask = new Uint8Array(total)
  const k = validationCount(spec, total)
  if (k === 0 || spec.kind === 'none' || spec.kind === 'file') return mask
  const order = new Uint32Array(total)
  for (let i = 0; i < total; i++) order[i] = i
  const random = mulberry32(spec.seed)
  // Only the first k positions of the shuffle are needed.
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (total - i))
    const swap = order[i]
    order[i] = order[j]
    order[j] = swap
    mask[order[i]] = 1
  }
  return mask
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
