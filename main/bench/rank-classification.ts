// `rank-classification` (issue 13; docs/BENCHMARKS.md "Models"): examples/s of rank classification on the
// medium shape (random weights) with 4 choices per question, the prompt computed once (KV cache)
// and recomputed in every choice's row, and the speed-up of the first over the second. Prompts are
// longer than choices, as in real multiple-choice sets: 200 prompt tokens, choices of 5 to 20. Both
// scorers are open at once and their passes interleaved, so that the load of a shared machine falls
// on both alike; the largest relative difference between their choice NLLs is reported with them.
import { openModel } from '../models'
import { ChoiceScorers, rankQuestions } from '../models/eval/rank-classification'
import type { MultipleChoiceQuestion } from '../models/eval/multiple-choice'
import type { OpenedModel } from '../models/inference/open-model'
import { describeTarget } from '../runtime'
import type { BenchOptions } from './engine'
import { writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { TRAINING_SHAPES } from './training'
import { median } from './timing'

export interface RankWorkload {
  questions: number
  promptTokens: number
  /** Token counts of each question's choices. */
  choiceTokens: number[]
}

export const RANK_WORKLOAD: RankWorkload = { questions: 4, promptTokens: 200, choiceTokens: [5, 10, 15, 20] }

export interface RankClassificationFigures {
  bench: 'rank_classification'
  parameters: number
  /** Where each scorer ran ("cpu, float32"). */
  device_prompt_once: string
  device_per_row: string
  workload: string
  examples_per_s_prompt_once: number
  examples_per_s_per_row: number
  /** examples_per_s_prompt_once / examples_per_s_per_row, measured in the same run. */
  prompt_once_speedup: number
  /** Largest |prompt-once − per-row| / |per-row| over every choice NLL: the two must agree. */
  max_nll_relative_difference: number
  session_s_prompt_once: number
  session_s_per_row: number
}

export async function rankClassificationBench(o: BenchOptions, shape: BenchLlamaShape = TRAINING_SHAPES.medium, workload: RankWorkload = RANK_WORKLOAD): Promise<RankClassificationFigures> {
  const folder = writeBenchLlamaFolder(shape)
  try {
    const model = openModel(folder.dir)
    const questions = benchQuestions(model, workload)
    const options = { device: o.device ?? 'cpu', ...(o.threads ? { threads: o.threads } : {}) }
    const opened = async (promptOnce: boolean) => {
      const started = performance.now()
      const scorers = await ChoiceScorers.open(model, questions, { ...options, promptOnce })
      return { scorers, sessionSeconds: (performance.now() - started) / 1000 }
    }
    const once = await opened(true)
    try {
      const perRow = await opened(false)
      try {
        const seconds = { once: [] as number[], perRow: [] as number[] }
        const nll = { once: [] as number[], perRow: [] as number[] }
        const pass = async (scorers: ChoiceScorers, times: number[], into: number[]) => {
          const started = performance.now()
          const { results } = await rankQuestions(scorers, questions)
          times.push((performance.now() - started) / 1000)
          into.splice(0, into.length, ...results.flatMap((r) => r.choicesNll))
        }
        const runs = Math.max(1, Math.min(o.reps, 3)) + Math.min(o.warmup, 1)
        for (let i = 0; i < runs; i++) {
          await pass(once.scorers, seconds.once, nll.once)
          await pass(perRow.scorers, seconds.perRow, nll.perRow)
        }
        const timed = (xs: number[]) => median(xs.slice(Math.min(o.warmup, 1)))
        const examplesPerSecond = { once: questions.length / timed(seconds.once), perRow: questions.length / timed(seconds.perRow) }
        return {
          bench: 'rank_classification',
          parameters: model.info.parameterCount,
          device_prompt_once: describeTarget(once.scorers.target),
          device_per_row: describeTarget(perRow.scorers.target),
          workload: `${workload.questions} questions x ${workload.choiceTokens.length} choices, prompt ${workload.promptTokens} tokens, choices ${workload.choiceTokens.join('/')} tokens`,
          examples_per_s_prompt_once: examplesPerSecond.once,
          examples_per_s_per_row: examplesPerSecond.perRow,
          prompt_once_speedup: examplesPerSecond.once / examplesPerSecond.perRow,
          max_nll_relative_difference: Math.max(...nll.once.map((n, i) => Math.abs(n - nll.perRow[i]) / Math.abs(nll.perRow[i]))),
          session_s_prompt_once: once.sessionSeconds,
          session_s_per_row: perRow.sessionSeconds,
        }
      } finally {
        await perRow.scorers.dispose()
      }
    } finally {
      await once.scorers.dispose()
    }
  } finally {
    folder.remove()
  }
}

/** Questions of random tokens, each prompt starting with BOS, its choices scored after it. */
function benchQuestions(model: OpenedModel, w: RankWorkload): MultipleChoiceQuestion[] {
  const vocab = model.spec.vocabSize
  const token = (i: number, seed: number) => ((i * 7919 + seed * 104729) % (vocab - 3)) + 3
  return Array.from({ length: w.questions }, (_, q) => {
    const prompt = [1, ...Array.from({ length: w.promptTokens - 1 }, (_, i) => token(i, q))]
    const choices = w.choiceTokens.map((n, c) => {
      const ids = [...prompt, ...Array.from({ length: n }, (_, i) => token(i, 1000 + q * 10 + c))]
      return { line: q + 1, ids, targets: ids.map((_, t) => (t + 1 >= prompt.length && t + 1 < ids.length ? ids[t + 1] : null)) }
    })
    return { line: q + 1, choices, answer: 0 }
  })
}

