// Helpers the per-architecture weight maps (llama.ts, gpt2.ts, t5.ts) are written with.
import type { Stack, WeightLayout, WeightMapEntry, WeightPart } from '../../engine/models/weight-map'

/** Collects entries for one layer (or none) of one stack, so per-architecture maps read as tables. */
export class EntryList {
  readonly entries: WeightMapEntry[] = []
  add(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias', hfName: string, shape: readonly number[], layout: WeightLayout): void {
    this.entries.push({ role: { stack, layer, part, param }, hfName, shape, layout })
  }
}

/** The first candidate prefix under which `probe` exists among the checkpoint's tensor names (default: the first). */
export function resolvePrefix(names: ReadonlySet<string>, probe: string, candidates: readonly string[]): string {
  return candidates.find((p) => names.has(p + probe)) ?? candidates[0]
}
