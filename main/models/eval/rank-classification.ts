// Rank classification of multiple-choice questions: each choice's score is the log-likelihood of
// its tokens after the prompt (summed, or the per-token mean with lengthNormalize); the prediction
// is the best-scoring choice, ties going to the lowest index. Accuracy comes with its 95% Wilson
// interval. A question's prompt is computed once and its choices scored from it (prompt-once-scorer.ts).
import { ExampleScorer, type RowScore, type ScorerOptions } from './example-scorer'
import type { EvalExample } from './examples'
import type { MultipleChoiceQuestion } from './multiple-choice'
import { PromptOnceScorer } from './prompt-once-scorer'
import { wilsonInterval } from './wilson'
import type { OpenedModel } from '../inference/open-model'
import { currentProviderFacts, planProviders, type ComputeTarget, type Device } from '../../runtime'
import type { ProviderFacts } from '../../runtime/execution-providers'

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
  /**
   * Compute each prompt once and score the choices from it (prompt-once-scorer.ts); false: one
   * forward batch per question, a row per choice, the prompt recomputed in every row. Both give
   * the same NLLs to float32 rounding. Default: see promptOnceByDefault.
   */
  promptOnce?: boolean
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
  const scorers = await ChoiceScorers.open(model, questions, options)
  try {
    return { ...(await rankQuestions(scorers, questions, options)), target: scorers.target }
  } finally {
    await scorers.dispose()
  }
}

export type ChoiceScorerOptions = Omit<RankClassifyOptions, 'lengthNormalize' | 'onExample'>

/**
 * The sessions that score questions' choices, opened once for a set of questions (sized for the
 * longest) and reusable: a run's evaluation suite ranks at every eval through one, its adapter's
 * arrays refreshed in place (the sessions' adapter feeds hold them).
 */
export class ChoiceScorers {
  private constructor(private readonly scorer: ExampleScorer | PromptOnceScorer) {}

  static async open(model: OpenedModel, questions: readonly MultipleChoiceQuestion[], options: ChoiceScorerOptions = {}): Promise<ChoiceScorers> {
    const choices = questions.flatMap((q) => q.choices)
    const promptOnce = options.promptOnce ?? promptOnceByDefault(options.device ?? 'cpu', currentProviderFacts())
    return new ChoiceScorers(
      promptOnce
        ? await PromptOnceScorer.open(model, choices, options)
        : await ExampleScorer.open(model, choices, Math.max(...questions.map((q) => q.choices.length)), options),
    )
  }

  /** Whether each prompt is computed once (else recomputed in every choice's row). */
  get promptOnce(): boolean {
    return this.scorer instanceof PromptOnceScorer
  }

  /** Where it runs: provider, precision, and the static shape of a GPU's per-row batch. */
  get target(): ComputeTarget {
    return this.scorer.target
  }

  /** One question's choices: a score per choice, in order. */
  score(choices: readonly EvalExample[]): Promise<RowScore[]> {
    return this.scorer.score(choices)
  }

  dispose(): Promise<void> {
    return this.scorer.dispose()
  }
}

/**
 * Whether rank classification computes each prompt once when not told: when `device` can only
 * mean the CPU here. A GPU (or auto where one is available) keeps the per-row batch: its forward
 * graph is built for one static shape that the batch always fits, while the prompt-once step's
 * shapes change with every question, which a GPU session runs only when every node has a kernel
 * there (as generation's step does), so a question set could be refused where the batch works.
 */
export function promptOnceByDefault(device: Device, facts: ProviderFacts): boolean {
  return planProviders(device, facts).candidates.every((provider) => provider === 'cpu')
}

/** Ranks `questions` (among those `scorers` was opened for): each one's result, and the accuracy. */
export async function rankQuestions(
  scorers: ChoiceScorers,
  questions: readonly MultipleChoiceQuestion[],
  options: Pick<RankClassifyOptions, 'lengthNormalize' | 'onExample'> = {},
): Promise<{ results: QuestionResult[]; summary: AccuracySummary }> {
  const results: QuestionResult[] = []
  for (const [index, question] of questions.entries()) {
    const scores = await scorers.score(question.choices)
    const choicesNll = scores.map((s) => s.nll)
    const choicesTokens = scores.map((s) => s.tokens)
    const prediction = predictChoice(choicesNll, choicesTokens, options.lengthNormalize ?? false)
    const result = { index, line: question.line, choicesNll, choicesTokens, prediction, answer: question.answer, correct: prediction === question.answer }
    results.push(result)
    options.onExample?.(result)
  }
  const correct = results.filter((r) => r.correct).length
  return { results, summary: { accuracy: correct / results.length, ci95: wilsonInterval(correct, results.length), examples: results.length } }
}
