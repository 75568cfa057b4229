// Rank classification of multiple-choice questions: each choice's score is the log-likelihood of
// its tokens after the prompt (summed, or the per-token mean with lengthNormalize); the prediction
// is the best-scoring choice, ties going to the lowest index. Accuracy comes with its 95% Wilson
// interval.
import { ExampleScorer, type ScorerOptions } from './example-scorer'
import type { MultipleChoiceQuestion } from './multiple-choice'
import { wilsonInterval } from './wilson'
import type { OpenedModel } from '../inference/open-model'
import type { ComputeTarget } from '../../runtime'

export interface QuestionResult {
  index: number
  line: number
  /** Each choice's summed negative log-likelihood (nats), in choice order. */
  choicesNll: number[]
  /** Each choice's scored-token count. */
  choicesTokens: number[]
  prediction: number
  answer: number
  correct: boolean
}

export interface AccuracySummary {
  accuracy: number
  /** 95% Wilson score interval of the accuracy. */
  ci95: [number, number]
  examples: number
}

export interface RankClassifyOptions extends ScorerOptions {
  /** Rank by the per-token mean log-likelihood instead of the sum. */
  lengthNormalize?: boolean
  onExample?: (result: QuestionResult) => void
}

/**
 * The best choice's index: the highest log-likelihood (−nll, or −nll/tokens when normalized).
 * Ties go to the lowest index, so identical choices predict the first of them.
 */
export function predictChoice(choicesNll: readonly number[], choicesTokens: readonly number[], lengthNormalize: boolean): number {
  const score = (i: number) => (lengthNormalize ? -choicesNll[i] / choicesTokens[i] : -choicesNll[i])
  let best = 0
  for (let i = 1; i < choicesNll.length; i++) if (score(i) > score(best)) best = i
  return best
}

export async function rankClassify(
  model: OpenedModel,
  questions: readonly MultipleChoiceQuestion[],
  options: RankClassifyOptions = {},
): Promise<{ results: QuestionResult[]; summary: AccuracySummary; target: ComputeTarget }> {
  // The "one batch" option: all of a question's choices go through one forward pass, one row per
  // choice, so the prompt is recomputed in every row. Computing the prompt once and scoring the
  // choices from its KV cache is later work.
  const widest = Math.max(...questions.map((q) => q.choices.length))
  const scorer = await ExampleScorer.open(model, questions.flatMap((q) => q.choices), widest, options)
  const results: QuestionResult[] = []
  try {
    for (const [index, question] of questions.entries()) {
      const scores = await scorer.score(question.choices)
      const choicesNll = scores.map((s) => s.nll)
      const choicesTokens = scores.map((s) => s.tokens)
      const prediction = predictChoice(choicesNll, choicesTokens, options.lengthNormalize ?? false)
      const result = { index, line: question.line, choicesNll, choicesTokens, prediction, answer: question.answer, correct: prediction === question.answer }
      results.push(result)
      options.onExample?.(result)
    }
  } finally {
    await scorer.dispose()
  }
  const correct = results.filter((r) => r.correct).length
  return { results, summary: { accuracy: correct / results.length, ci95: wilsonInterval(correct, results.length), examples: results.length }, target: scorer.target }
}
