// A run's greedy answers to its fixed prompts (eval.prompts), as the Run page holds them: merged
// from the first read and from live events, a step answered again (a resumed run repeating steps
// after its checkpoint) taking the newer answers.
import type { RunAnswer } from '../../../main/contract'

/** Answers merged and kept sorted by step, then prompt. */
export function mergeAnswers(held: readonly RunAnswer[], incoming: readonly RunAnswer[]): RunAnswer[] {
  if (incoming.length === 0) return held as RunAnswer[]
  const key = (a: RunAnswer) => `${a.step}:${a.promptIndex}`
  const byKey = new Map(held.map((a) => [key(a), a]))
  for (const a of incoming) byKey.set(key(a), a)
  return [...byKey.values()].sort((a, b) => a.step - b.step || a.promptIndex - b.promptIndex)
}

export interface AnswerGrid {
  /** The prompts, by index (the newest text seen for each). */
  prompts: { index: number; text: string }[]
  /** Newest step first: each step's answer per prompt (null where that step has none). */
  rows: { step: number; answers: (string | null)[]; changed: boolean[] }[]
}

/**
 * The table the Run page draws: a row per eval step, newest first, a column per prompt; an answer
 * is marked changed when it differs from the same prompt's answer at the step before.
 */
export function answerGrid(answers: readonly RunAnswer[]): AnswerGrid {
  const promptText = new Map<number, string>()
  for (const a of answers) promptText.set(a.promptIndex, a.prompt)
  const prompts = [...promptText.entries()].sort((a, b) => a[0] - b[0]).map(([index, text]) => ({ index, text }))
  const column = new Map(prompts.map((p, i) => [p.index, i]))
  const bySteps = new Map<number, (string | null)[]>()
  for (const a of answers) {
    const row = bySteps.get(a.step) ?? new Array<string | null>(prompts.length).fill(null)
    row[column.get(a.promptIndex)!] = a.answer
    bySteps.set(a.step, row)
  }
  const ascending = [...bySteps.entries()].sort((a, b) => a[0] - b[0])
  const rows = ascending.map(([step, row], i) => ({
    step,
    answers: row,
    changed: row.map((answer, c) => i > 0 && answer !== null && ascending[i - 1][1][c] !== null && answer !== ascending[i - 1][1][c]),
  }))
  return { prompts, rows: rows.reverse() }
}
