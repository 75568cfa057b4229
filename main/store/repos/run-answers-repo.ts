import type { Database } from 'better-sqlite3'

/** A run's greedy answer to one of its fixed prompts (eval.prompts) at one eval step. */
export interface RunAnswer {
  step: number
  /** The prompt's index in eval.prompts when it was answered. */
  promptIndex: number
  prompt: string
  answer: string
}

/** What the model answers as it trains (run_answers): written by the training process at each eval step. */
export class RunAnswersRepo {
  constructor(private readonly db: Database) {}

  /**
   * One eval step's answers, in one transaction. A step answered again (a resumed run repeating
   * steps after its last checkpoint) replaces the earlier answers of that step.
   */
  put(runId: string, step: number, answers: readonly Omit<RunAnswer, 'step'>[]): void {
    const insert = this.db.prepare('INSERT OR REPLACE INTO run_answers (run_id, step, prompt_index, prompt, answer) VALUES (?, ?, ?, ?, ?)')
    this.db.transaction(() => {
      for (const a of answers) insert.run(runId, step, a.promptIndex, a.prompt, a.answer)
    })()
  }

  /** Every answer of a run, by step then prompt (optionally only after `sinceStep`, for a live page). */
  list(runId: string, sinceStep = -1): RunAnswer[] {
    return this.db
      .prepare('SELECT step, prompt_index AS promptIndex, prompt, answer FROM run_answers WHERE run_id = ? AND step > ? ORDER BY step, prompt_index')
      .all(runId, sinceStep) as RunAnswer[]
  }
}
