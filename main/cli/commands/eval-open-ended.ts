// `eval` on open-ended rows: each question answered greedily, a line per example, then exact match
// with its 95% Wilson interval and the mean token F1. With --run the prompts go through the run's
// chat template (main/train/run-prompts.ts), as its training showed prompts to the adapter.
import { evalRowKind, readEvalRowsOfOneKind } from '../../models/eval/eval-data'
import { EvalDataError, readEvalRows } from '../../models/eval/examples'
import { toOpenEndedQuestion, type OpenEndedQuestion } from '../../models/eval/open-ended'
import { answerOpenEnded, type OpenEndedResult } from '../../models/eval/open-ended-answers'
import type { InferenceAdapter } from '../../models/inference/adapter'
import type { OpenedModel } from '../../models/inference/open-model'
import { ModelTokenizer } from '../../models/tokenizer'
import { describeTarget, type Device, type RequestedPrecision } from '../../runtime'
import { runPrompts, type EndOfTurn } from '../../train/run-prompts'
import { EXIT_OK, type CliContext } from '../command'
import { openRun, readRun, templateWords, type RunEvalRequest } from './eval-run'
import { cliDataDir } from '../open-services'

export interface OpenEndedCliOptions {
  threads?: number
  device: Device
  precision: RequestedPrecision
  /** Prompts per generation call. */
  batchSize: number
  /** Most new tokens per answer; null: the default (48). */
  maxNewTokens: number | null
  json?: boolean
}

/** Whether `file` is JSON Lines whose first row is open-ended (a file of another format is not). */
export function isOpenEndedFile(file: string): boolean {
  try {
    const first = readEvalRows(file)[0]
    return first !== undefined && evalRowKind(first.row) === 'open-ended'
  } catch {
    return false // Not JSON Lines (CSV, Parquet ...), or unreadable: the other readers say why.
  }
}

/** What answers and how: the model, its adapter, the questions with their prompts tokenized, the template's end of turn. */
export interface OpenEndedEval {
  model: OpenedModel
  tokenizer: ModelTokenizer
  adapter: InferenceAdapter | null
  questions: OpenEndedQuestion[]
  endOfTurn?: EndOfTurn | null
  /** eval --run: what the summary says about the run, as JSON fields and as words. */
  about?: { fields: Record<string, unknown>; words: string }
}

/** eval --run RUN --data FILE on open-ended rows: the run's model, adapter and chat template. */
export function openRunOpenEnded(request: RunEvalRequest & { data: string }, context: CliContext): OpenEndedEval {
  const dataDir = cliDataDir(context)
  const { record, config, model, adapter, adapterChoice } = openRun(dataDir, readRun(dataDir, request.runId), request.checkpoint)
  const prompts = runPrompts(config, model.info.dir)
  return {
    model,
    tokenizer: ModelTokenizer.load(model.info.dir),
    adapter,
    questions: readOpenEndedQuestions(request.data, prompts.promptIds),
    endOfTurn: prompts.endOfTurn,
    about: {
      fields: { run: record.id, checkpoint: adapterChoice.label, adapter: adapterChoice.path, template: prompts.templateName, data: request.data },
      words: `run ${record.id}, its ${adapterChoice.label}, ${templateWords(prompts.templateName)}, ${request.data}`,
    },
  }
}

/** Every row of `file` as an open-ended question; a row of another kind, or a malformed one, is an error naming its line. */
function readOpenEndedQuestions(file: string, promptIds: (prompt: string) => number[]): OpenEndedQuestion[] {
  const { kind, rows } = readEvalRowsOfOneKind(file)
  if (kind !== 'open-ended') throw new EvalDataError(`${rows[0].where}: not an open-ended row ({"prompt","answers":[..]} or {"prompt","answer":"text"})`)
  return rows.map(({ row, where, line }) => toOpenEndedQuestion(row, where, line, promptIds))
}

/** Answers every question: a line per example, then exact match (95% Wilson interval) and mean F1. */
export async function answerQuestions(run: OpenEndedEval, options: OpenEndedCliOptions, context: CliContext): Promise<number> {
  const { json } = options
  const { summary, target } = await answerOpenEnded(run.model, run.tokenizer, run.questions, {
    adapter: run.adapter,
    threads: options.threads,
    device: options.device,
    precision: options.precision,
    batchSize: options.batchSize,
    endOfTurn: run.endOfTurn ?? null,
    maxNewTokensName: '--max-new-tokens',
    ...(options.maxNewTokens !== null ? { maxNewTokens: options.maxNewTokens } : {}),
    onExample: (r) => context.stdout(json ? `${JSON.stringify(exampleLine(r))}\n` : `${exampleText(r)}\n`),
  })
  const [lo, hi] = summary.exactMatchCi95
  const device = describeTarget(target)
  context.stdout(
    json
      ? `${JSON.stringify({ type: 'eval', exact_match: summary.exactMatch, exact_match_ci95: [lo, hi], f1: summary.f1, examples: summary.examples, device, ...run.about?.fields })}\n`
      : `exact match ${summary.exactMatch.toFixed(3)} (95% CI ${lo.toFixed(3)}–${hi.toFixed(3)}), mean token F1 ${summary.f1.toFixed(3)} over ${summary.examples} examples ` +
          `(greedy answers, SQuAD normalisation) on ${device}${run.about ? `, ${run.about.words}` : ''}\n`,
  )
  return EXIT_OK
}

function exampleLine(r: OpenEndedResult) {
  return { type: 'example', index: r.index, line: r.line, prediction: r.prediction, answers: r.answers, exact_match: r.exactMatch, f1: r.f1 }
}

function exampleText(r: OpenEndedResult): string {
  return `example ${r.index} (line ${r.line})  ${r.exactMatch ? 'exact match' : 'no exact match'}  f1 ${r.f1.toFixed(3)}  answered ${JSON.stringify(r.prediction)}  answers ${JSON.stringify(r.answers)}`
}
