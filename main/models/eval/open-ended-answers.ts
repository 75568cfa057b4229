// Greedy answers to open-ended questions, scored by SQuAD's exact match and token F1 against the
// gold answers; exact match comes with its 95% Wilson interval, as accuracy does. Prompts are
// generated several at a time (the Generator left-pads a batch; greedy tokens are the same as
// one prompt at a time).
import { contextOverflow } from '../inference/context-fit'
import { Generator, type GeneratorOptions } from '../inference/generate'
import { stopTokensUnder, textBeforeEndOfTurn, type TurnEnd } from '../inference/end-of-turn'
import type { OpenedModel } from '../inference/open-model'
import type { ModelTokenizer } from '../tokenizer'
import type { ComputeTarget } from '../../runtime'
import { EvalDataError } from './examples'
import type { OpenEndedQuestion } from './open-ended'
import { scoreAnswer } from './squad-normalize'
import { wilsonInterval } from './wilson'

/** Default most new tokens of an answer (the stop token included). */
export const DEFAULT_MAX_NEW_TOKENS = 48

export interface GreedyAnswer {
  /** New tokens, the stop token included when one ended the answer. */
  tokens: number[]
  /** The answer as text: without its stop token, cut at the end-of-turn marker if one shows, trimmed. */
  text: string
  finishReason: 'stop' | 'max_tokens'
}

export interface GreedyAnswerOptions {
  maxNewTokens: number
  /**
   * A chat template's end of an assistant turn (run-prompts.ts): its token, when it is one, stops
   * the answer besides the model's EOS ids; its text cuts the answer where it shows.
   */
  endOfTurn?: TurnEnd | null
  /** Prompts per generation call (default 8). */
  batchSize?: number
}

/** Greedy answers of `generator` to `prompts` (token ids), in order, `batchSize` prompts per call. */
export async function greedyAnswers(
  generator: Generator,
  tokenizer: ModelTokenizer,
  prompts: readonly (readonly number[])[],
  options: GreedyAnswerOptions,
  onAnswer?: (answer: GreedyAnswer, index: number) => void,
): Promise<GreedyAnswer[]> {
  const batchSize = options.batchSize ?? 8
  const stopTokens = stopTokensUnder(generator.model, options.endOfTurn)
  const stop = new Set(stopTokens)
  const answers: GreedyAnswer[] = []
  for (let start = 0; start < prompts.length; start += batchSize) {
    const { rows } = await generator.generate(prompts.slice(start, start + batchSize), { maxTokens: options.maxNewTokens, temperature: 0, stopTokens })
    for (const row of rows) {
      const kept = row.finishReason === 'stop' && stop.has(row.tokens.at(-1)!) ? row.tokens.slice(0, -1) : row.tokens
      const { text } = textBeforeEndOfTurn(tokenizer.decode(kept), options.endOfTurn)
      const answer: GreedyAnswer = { tokens: row.tokens, text: text.trim(), finishReason: row.finishReason }
      onAnswer?.(answer, answers.length)
      answers.push(answer)
    }
  }
  return answers
}

export interface OpenEndedResult {
  index: number
  line: number
  prediction: string
  answers: string[]
  /** 1 when the prediction equals a gold answer once both are normalised. */
  exactMatch: 0 | 1
  /** The best token F1 over the gold answers. */
  f1: number
}

export interface OpenEndedSummary {
  /** Share of exact matches. */
  exactMatch: number
  /** 95% Wilson score interval of the exact-match share. */
  exactMatchCi95: [number, number]
  /** Mean of the examples' F1. */
  f1: number
  examples: number
}

export interface AnswerOpenEndedOptions extends Pick<GeneratorOptions, 'threads' | 'device' | 'precision' | 'adapter'>, Omit<GreedyAnswerOptions, 'maxNewTokens'> {
  maxNewTokens?: number
  /** What the CLI calls the new-token limit, for the error when a prompt leaves it no room. */
  maxNewTokensName?: string
  onExample?: (result: OpenEndedResult) => void
}

/** Each question answered greedily and scored; then exact match (with its interval) and mean F1 over all. */
export async function answerOpenEnded(
  model: OpenedModel,
  tokenizer: ModelTokenizer,
  questions: readonly OpenEndedQuestion[],
  options: AnswerOpenEndedOptions = {},
): Promise<{ results: OpenEndedResult[]; summary: OpenEndedSummary; target: ComputeTarget }> {
  if (questions.length === 0) throw new EvalDataError('no open-ended questions to answer')
  const maxNewTokens = options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS
  for (const q of questions) {
    const overflow = contextOverflow(q.promptIds.length, maxNewTokens, model.spec.contextLength, options.maxNewTokensName ?? 'max new tokens')
    if (overflow) throw new EvalDataError(`line ${q.line}: ${overflow}`)
  }
  const longest = Math.max(...questions.map((q) => q.promptIds.length)) + maxNewTokens
  const generator = await Generator.create(model, { threads: options.threads, device: options.device, precision: options.precision, adapter: options.adapter, maxPositions: longest })
  const results: OpenEndedResult[] = []
  try {
    await greedyAnswers(generator, tokenizer, questions.map((q) => q.promptIds), { ...options, maxNewTokens }, (answer, index) => {
      const question = questions[index]
      const score = scoreAnswer(answer.text, question.answers)
      const result: OpenEndedResult = { index, line: question.line, prediction: answer.text, answers: question.answers, exactMatch: score.exactMatch, f1: score.f1 }
      results.push(result)
      options.onExample?.(result)
    })
  } finally {
    await generator.dispose()
  }
  const matches = results.reduce((n, r) => n + r.exactMatch, 0)
  return {
    results,
    summary: {
      exactMatch: matches / results.length,
      exactMatchCi95: wilsonInterval(matches, results.length),
      f1: results.reduce((s, r) => s + r.f1, 0) / results.length,
      examples: results.length,
    },
    target: generator.target,
  }
}
