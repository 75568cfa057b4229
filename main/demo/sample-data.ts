// The demo's sample dataset: prompt/completion rows of small deterministic tasks over short
// random strings (copy, reverse, uppercase, count), generated from a seed. A tiny model can
// visibly learn their answer format and alphabet within a minute of adapter training.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Rng } from '../engine/random'

export interface SampleRow {
  prompt: string
  completion: string
}

const LETTERS = 'abcdefgh'

function word(rng: Rng): string {
  const length = 3 + Math.floor(rng.uniform() * 4)
  let text = ''
  for (let i = 0; i < length; i++) text += LETTERS[Math.floor(rng.uniform() * LETTERS.length)]
  return text
}

const TASKS: ((w: string) => SampleRow)[] = [
  (w) => ({ prompt: `copy: ${w}`, completion: w }),
  (w) => ({ prompt: `reverse: ${w}`, completion: [...w].reverse().join('') }),
  (w) => ({ prompt: `upper: ${w}`, completion: w.toUpperCase() }),
  (w) => ({ prompt: `count: ${w}`, completion: String(w.length) }),
]

export function sampleRows(count: number, seed = 1): SampleRow[] {
  const rng = new Rng(seed)
  return Array.from({ length: count }, (_, i) => TASKS[i % TASKS.length](word(rng)))
}

/** Writes `count` rows as JSON Lines. */
export function writeSampleDataset(path: string, count = 400, seed = 1): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, sampleRows(count, seed).map((row) => JSON.stringify(row)).join('\n') + '\n')
}
