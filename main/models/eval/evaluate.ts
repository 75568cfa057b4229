// Eval: the summed negative log-likelihood and the number of scored tokens of every example, and
// the token-mean loss over all of them (Σ nll / Σ tokens, as training's loss averages tokens).
import { ExampleScorer, type ScorerOptions } from './example-scorer'
import type { OpenedModel } from '../inference/open-model'
import type { EvalExample } from './examples'
import type { ComputeTarget } from '../../runtime'

export interface ExampleScore {
  index: number
  line: number
  nll: number
  tokens: number
}

export interface EvalSummary {
  examples: number
  tokens: number
  nll: number
  /** Σ nll / Σ tokens. */
  loss: number
}

export interface EvaluateOptions extends ScorerOptions {
  batchSize?: number
  onExample?: (score: ExampleScore) => void
}

export async function evaluate(
  model: OpenedModel,
  examples: readonly EvalExample[],
  options: EvaluateOptions = {},
): Promise<{ scores: ExampleScore[]; summary: EvalSummary; target: ComputeTarget }> {
  const batchSize = options.batchSize ?? 8
  const scorer = await ExampleScorer.open(model, examples, batchSize, options)
  const scores: ExampleScore[] = []
  try {
    for (let start = 0; start < examples.length; start += batchSize) {
      const chunk = examples.slice(start, start + batchSize)
      const rows = await scorer.score(chunk)
      rows.forEach((row, b) => {
        const score = { index: start + b, line: chunk[b].line, ...row }
        scores.push(score)
        options.onExample?.(score)
      })
    }
  } finally {
    await scorer.dispose()
  }
  const tokens = scores.reduce((n, s) => n + s.tokens, 0)
  const total = scores.reduce((n, s) => n + s.nll, 0)
  return { scores, summary: { examples: scores.length, tokens, nll: total, loss: tokens > 0 ? total / tokens : NaN }, target: scorer.target }
}
