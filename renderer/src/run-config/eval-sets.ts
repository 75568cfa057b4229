// The New run form's evaluation section: eval.sets named after the dataset or file they score, in
// the characters a metric name allows (accuracy.<name>), never two alike.
import { taskName } from '../stores/evaluate'

export interface EvalSetDraft {
  name: string
  data: string
}

export interface EvalDraft {
  sets: EvalSetDraft[]
  prompts: string[]
  max_new_tokens: number
  length_normalize: boolean
}

/** The most eval prompts a run answers (the schema's limit). */
export const MAX_EVAL_PROMPTS = 20

/**
 * A set's name from its dataset or file name ("ARC Easy (test).jsonl" → "ARC-Easy-test"): other
 * characters become '-', at most 64 of them, and a name already taken gets -2, -3 ...
 */
export function evalSetName(fileOrName: string, taken: readonly string[]): string {
  const base = taskName(fileOrName).replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'set'
  if (!taken.includes(base)) return base
  let n = 2
  while (taken.includes(`${base}-${n}`)) n++
  return `${base}-${n}`
}
