import { seededUniform } from '../engine/random'

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

/** Fewer examples than this left to train on earns a warning: the adapter would learn from very little. */
export const FEW_TRAINING_EXAMPLES = 10

/** A run configuration's `data.split` as a split: below 1 a share, from 1 a count of examples. */
export function runSplitSpec(split: number, seed: number): SplitSpec {
  return split < 1 ? { kind: 'fraction', fraction: split, seed } : { kind: 'count', count: split, seed }
}

/** "120" / "95 %": what the user chose to hold out, in their words. */
function heldOutChoice(spec: SplitSpec): string {
  if (spec.kind === 'count') return String(spec.count)
  if (spec.kind === 'fraction') return `${Math.round(spec.fraction * 1000) / 10} %`
  return 'none'
}

/**
 * Why a split of `total` examples cannot be trained on: it holds out every one. Null when it
 * leaves at least one (or there are none to judge by). The import, New run and runsStart all
 * refuse with these words, before anything is created.
 */
export function splitLeavesNothing(spec: SplitSpec, total: number): string | null {
  const held = validationCount(spec, total)
  if (total === 0 || held < total) return null
  if (total === 1) return `Holding out ${heldOutChoice(spec)} of the only example leaves none to train on: hold none out.`
  return `Holding out ${heldOutChoice(spec)} of the ${total} examples leaves none to train on: hold out at most ${total - 1}.`
}

/** A warning when a split leaves very few examples to train on, or fewer than it holds out. */
export function splitLeavesFew(spec: SplitSpec, total: number): string | null {
  const held = validationCount(spec, total)
  const train = total - held
  if (held === 0 || train === 0 || (train >= FEW_TRAINING_EXAMPLES && train >= held)) return null
  return `Only ${train} of the ${total} examples are left to train on (${held} held out): hold out fewer unless that is what you want.`
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
  const random = seededUniform(spec.seed)
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
