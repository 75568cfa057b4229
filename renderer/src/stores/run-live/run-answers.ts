import { shallowRef } from 'vue'
import type { RunAnswer } from '../../../../main/contract'
import { mergeAnswers } from '../../runs/answers'

/** The run's greedy answers to its fixed prompts, by step: the stored ones and live ones merged. */
export function useRunAnswers() {
  /** Replaced whole on change. */
  const answers = shallowRef<RunAnswer[]>([])

  function merge(incoming: readonly RunAnswer[]): void {
    answers.value = mergeAnswers(answers.value, incoming)
  }

  /** An answers event: the step's answers, newer than any held for that step (a resumed run repeats steps). */
  function mergeLive(step: number, live: readonly Omit<RunAnswer, 'step'>[]): void {
    merge(live.map((answer) => ({ step, ...answer })))
  }

  function clear(): void {
    answers.value = []
  }

  return { answers, merge, mergeLive, clear }
}
