import { resolve } from 'node:path'
import { evaluate, type EvalSummary, type EvaluateOptions, type ExampleScore } from '../../models/eval/evaluate'
import { loadInferenceAdapter, openBaseFor, type InferenceAdapter } from '../../models/inference/adapter'
import { readEvalData } from '../../models/eval/eval-data'
import { EvalDataError, type EvalExample } from '../../models/eval/examples'
import { DEFAULT_MAX_NEW_TOKENS } from '../../models/eval/open-ended-answers'
import { CHECKPOINT_OPTION_HELP, checkpointChoice } from './checkpoint-option'
import type { MultipleChoiceQuestion } from '../../models/eval/multiple-choice'
import { rankClassify, type QuestionResult } from '../../models/eval/rank-classification'
import type { OpenedModel } from '../../models/inference/open-model'
import { describeTarget, type Device, type RequestedPrecision } from '../../runtime'
import { ModelTokenizer } from '../../models/tokenizer'
import { EXIT_FAILURE, EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { parseOptions } from '../parse-options'
import { idArgument } from '../id-argument'
import { deviceFlags, deviceFlagsUsage } from './device-flags'
import { answerQuestions, isOpenEndedFile, openRunOpenEnded } from './eval-open-ended'
import { openRunChoices, openRunEval } from './eval-run'
import { reportUserError } from './model-errors'
import { cliDataDir } from '../open-services'

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a dataset with a model: per-example NLL and the mean loss, multiple-choice accuracy, or exact match and F1 of answers',
  usage: `Usage: mixture-studio eval --model DIR [--adapter DIR] --data FILE [--json] [--length-normalize] [--max-new-tokens N] [--batch-size N] [--threads N] [--device D] [--precision P]
       mixture-studio eval --run RUN [--checkpoint best|last|N] [--data FILE] [--json] [--length-normalize] [--max-new-tokens N] [--batch-size N] [--threads N] [--device D] [--precision P]

DATA is JSON Lines of {"prompt", "completion"} rows (the completion, then EOS, is scored; T5: the
prompt is the encoder input) or {"text"} rows (every token after the first is scored).
Prints each example's summed negative log-likelihood (nats) and scored-token count, then the
token-mean loss over all of them (Σ nll / Σ tokens).

DATA may instead be multiple-choice rows, {"prompt", "choices": [..], "answer"}, where answer is a
0-based index into choices or the text of one (a file holds one kind of row). Each choice is
scored as a completion of the prompt (prompt and choice concatenated as they are, no EOS; T5: the
choice is the decoder's target); the prediction is the choice with the highest log-likelihood,
ties going to the lowest index. Prints each example's prediction, then the accuracy with its 95%
Wilson interval.

DATA may instead be open-ended rows, {"prompt", "answers": [..]} or {"prompt", "answer": "text"}.
The model answers each prompt greedily (the prompt as it is, as above), stopping at EOS or after
--max-new-tokens; the answer is compared with each gold answer after SQuAD's normalisation (lower
case, no punctuation, no a/an/the, single spaces). Prints each example's answer, its exact match
and token F1 (the best over the gold answers), then the exact-match share with its 95% Wilson
interval and the mean F1.

With --run, the rows are scored as the run's training saw them: its model and adapter, its
chat template, data.format and mapping, train_on_prompt masking and max_length (eval --adapter
scores rows as they are, without a template, so a run trained through one scores worse there).
Without --data, the run's own validation examples (its validation file or held-out split): the
loss is the run's last eval loss. The summary names the run, adapter and template.
Multiple-choice rows (a file whose rows have prompt, choices and answer, or any --data of a run
trained on data.format multiple_choice, read with its data.mapping) are ranked through the run's
chat template: the prompt is the user turn up to the assistant header, each choice the start of
the reply, and only the choice's tokens are scored (no end of turn, no EOS; T5: the choice is the
decoder's target). A prompt too long for the run's data.max_length loses its start (a note names
the line). Open-ended prompts go through the run's chat template too, as the user turn up to the
assistant header, and an answer also stops at the template's end of turn.

  --run RUN       a run id (mixture-studio runs lists them)
  --checkpoint C  with --run: ${CHECKPOINT_OPTION_HELP}
  --adapter DIR   score through a trained adapter (a run's adapter/ or checkpoints/step-N/
                  folder, native format) attached to the model
  --json          one JSON object per line: {"type":"example","index","line","nll","tokens"} ...,
                  then {"type":"eval","loss","nll","tokens","examples"} (--run adds "run",
                  "checkpoint","adapter","template","data"); multiple choice:
                  {"type":"example","index","line","choices_nll","choices_tokens","prediction",
                  "answer","correct"} ..., then {"type":"eval","accuracy","ci95":[lo,hi],"examples"}
                  (--run adds the same fields);
                  open-ended: {"type":"example","index","line","prediction","answers",
                  "exact_match","f1"} ..., then {"type":"eval","exact_match",
                  "exact_match_ci95":[lo,hi],"f1","examples"}
  --length-normalize
                  multiple choice: rank choices by their per-token mean log-likelihood instead
                  of the sum (which favours short choices)
  --max-new-tokens N
                  open-ended: most new tokens of an answer (default 48)
  --batch-size N  examples per forward pass (default 8); multiple choice: one pass per example,
                  all of its choices together; open-ended: prompts answered together
  --threads N     onnxruntime threads (default: all cores)
${deviceFlagsUsage('runs the pass')}`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      model: { type: 'string' }, adapter: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, threads: { type: 'string' },
      'length-normalize': { type: 'boolean' }, device: { type: 'string' }, precision: { type: 'string' }, run: { type: 'string' }, checkpoint: { type: 'string' },
      'max-new-tokens': { type: 'string' },
    })
    const batchSize = positiveInteger('--batch-size', values['batch-size'], 8)
    const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads, 1)
    const { device, precision } = deviceFlags(values)
    const maxNewTokens = values['max-new-tokens'] === undefined ? null : positiveInteger('--max-new-tokens', values['max-new-tokens'], DEFAULT_MAX_NEW_TOKENS)
    const answering = { threads, device, precision, batchSize, maxNewTokens, json: values.json }
    if (values.run !== undefined) {
      if (values.model || values.adapter) throw new UsageError('eval --run scores through the run\'s own model and adapter: leave out --model and --adapter (pick the adapter with --checkpoint)')
      const checkpoint = checkpointChoice(values.checkpoint)
      const runId = idArgument(context, 'run', values.run)
      try {
        if (values.data !== undefined && isOpenEndedFile(resolve(values.data))) {
          if (values['length-normalize']) throw new EvalDataError(lengthNormalizeOnOpenEnded(resolve(values.data)))
          return await answerQuestions(openRunOpenEnded({ runId, checkpoint, data: resolve(values.data) }, context), answering, context)
        }
        if (maxNewTokens !== null) throw new UsageError(onlyOpenEnded(values.data))
        const choices = values.data === undefined ? null : await openRunChoices({ runId, checkpoint, data: resolve(values.data) }, context)
        if (choices) {
          for (const note of choices.notes) context.stderr(`${note}\n`)
          const ranking = { adapter: choices.adapter, threads, device, precision, lengthNormalize: values['length-normalize'] ?? false, json: values.json }
          return await rankChoices(choices.model, choices.questions, ranking, context, choices.about)
        }
        if (values['length-normalize']) throw new UsageError(`--length-normalize ranks multiple-choice rows ({"prompt","choices","answer"}); ${values.data ?? "the run's validation examples"} ${values.data ? 'has rows that are' : 'are'} scored for their loss`)
        const run = await openRunEval({ runId, checkpoint, data: values.data === undefined ? null : resolve(values.data) }, context)
        for (const note of run.notes) context.stderr(`${note}\n`)
        return await scoreLoss(run.model, run.examples, { adapter: run.adapter, threads, device, precision, batchSize, json: values.json }, context, run.about)
      } catch (error) {
        return reportUserError(error, context, values.json)
      }
    }
    if (values.checkpoint !== undefined) throw new UsageError('--checkpoint picks an adapter of a run: give it with --run RUN')
    if (!values.model || !values.data) throw new UsageError('eval needs --model DIR and --data FILE, or --run RUN')
    try {
      const model = openBaseFor(resolve(values.model), values.adapter ? resolve(values.adapter) : null, cliDataDir(context))
      const adapter = values.adapter ? loadInferenceAdapter(resolve(values.adapter), model) : null
      const tokenizer = ModelTokenizer.load(model.info.dir)
      const data = readEvalData(resolve(values.data), tokenizer, model.spec)
      const scoring = { adapter, threads, device, precision }
      if (data.kind === 'open-ended') {
        if (values['length-normalize']) throw new EvalDataError(lengthNormalizeOnOpenEnded(resolve(values.data)))
        return await answerQuestions({ model, tokenizer, adapter, questions: data.questions }, answering, context)
      }
      if (maxNewTokens !== null) throw new EvalDataError(onlyOpenEnded(resolve(values.data)))
      if (data.kind === 'multiple-choice') return await rankChoices(model, data.questions, { ...scoring, lengthNormalize: values['length-normalize'] ?? false, json: values.json }, context)
      if (values['length-normalize']) throw new EvalDataError(`--length-normalize ranks the choices of multiple-choice rows ({"prompt","choices","answer"}); ${resolve(values.data)} has {"prompt","completion"} or {"text"} rows, scored for their loss`)
      return await scoreLoss(model, data.examples, { ...scoring, batchSize, json: values.json }, context)
    } catch (error) {
      return reportUserError(error, context, values.json)
    }
  },
}

interface LossOptions extends EvaluateOptions {
  json?: boolean
}

/**
 * A line per example, then the mean loss; `about` adds to the summary (eval --run: which run,
 * adapter and template), as JSON fields and as words after the human line.
 */
async function scoreLoss(model: OpenedModel, examples: EvalExample[], options: LossOptions, context: CliContext, about?: { fields: Record<string, unknown>; words: string }): Promise<number> {
  const { json, ...evaluateOptions } = options
  const { scores, summary, target } = await evaluate(model, examples, {
    ...evaluateOptions,
    onExample: (s) => context.stdout(json ? `${JSON.stringify({ type: 'example', ...s })}\n` : `example ${s.index} (line ${s.line})  nll ${s.nll.toFixed(4)}  tokens ${s.tokens}\n`),
  })
  const notFinite = nonFiniteLossMessage(scores, summary, describeTarget(target))
  if (notFinite) {
    if (json) context.stdout(`${JSON.stringify({ type: 'error', message: notFinite })}\n`)
    else context.stderr(`${notFinite}\n`)
    return EXIT_FAILURE
  }
  context.stdout(
    json
      ? `${JSON.stringify({ type: 'eval', ...summary, device: describeTarget(target), ...about?.fields })}\n`
      : `mean loss ${summary.loss.toFixed(4)} over ${summary.tokens} tokens in ${summary.examples} examples (perplexity ${Math.exp(summary.loss).toFixed(2)}) on ${describeTarget(target)}${about ? `, ${about.words}` : ''}\n`,
  )
  return EXIT_OK
}

function lengthNormalizeOnOpenEnded(data: string): string {
  return `--length-normalize ranks the choices of multiple-choice rows ({"prompt","choices","answer"}); ${data} has open-ended rows, answered and compared with their answers`
}

/** --max-new-tokens given for rows that are scored, not answered. */
function onlyOpenEnded(data: string | undefined): string {
  return `--max-new-tokens limits the answers to open-ended rows ({"prompt","answers":[..]}); ${data ?? "the run's validation examples"} ${data ? 'has rows that are' : 'are'} scored, not answered`
}

interface RankOptions {
  adapter: InferenceAdapter | null
  threads?: number
  device: Device
  precision: RequestedPrecision
  lengthNormalize: boolean
  json?: boolean
}

/** Rank classification of multiple-choice rows: a line per example, then the accuracy; `about` as in scoreLoss. */
async function rankChoices(model: OpenedModel, questions: MultipleChoiceQuestion[], options: RankOptions, context: CliContext, about?: { fields: Record<string, unknown>; words: string }): Promise<number> {
  const { results, summary, target } = await rankClassify(model, questions, {
    ...options,
    onExample: (r) => context.stdout(options.json ? `${JSON.stringify(exampleLine(r))}\n` : `${exampleText(r)}\n`),
  })
  const notFinite = nonFiniteChoiceMessage(results, describeTarget(target))
  if (notFinite) {
    if (options.json) context.stdout(`${JSON.stringify({ type: 'error', message: notFinite })}\n`)
    else context.stderr(`${notFinite}\n`)
    return EXIT_FAILURE
  }
  const [lo, hi] = summary.ci95
  context.stdout(
    options.json
      ? `${JSON.stringify({ type: 'eval', accuracy: summary.accuracy, ci95: [lo, hi], examples: summary.examples, device: describeTarget(target), ...about?.fields })}\n`
      : `accuracy ${summary.accuracy.toFixed(3)} (95% CI ${lo.toFixed(3)}–${hi.toFixed(3)}) over ${summary.examples} examples on ${describeTarget(target)}${about ? `, ${about.words}` : ''}\n`,
  )
  return EXIT_OK
}

function exampleLine(r: QuestionResult) {
  return { type: 'example', index: r.index, line: r.line, choices_nll: r.choicesNll, choices_tokens: r.choicesTokens, prediction: r.prediction, answer: r.answer, correct: r.correct }
}

function exampleText(r: QuestionResult): string {
  return `example ${r.index} (line ${r.line})  prediction ${r.prediction}  answer ${r.answer}  ${r.correct ? 'correct' : 'wrong'}  choices nll ${r.choicesNll.map((n) => n.toFixed(4)).join(' ')}`
}

/**
 * Why the predictions cannot be trusted (null when they can): a choice whose NLL is not finite
 * never wins a comparison, so the accuracy would quietly count it as a wrong answer.
 */
function nonFiniteChoiceMessage(results: readonly QuestionResult[], device: string): string | null {
  const bad = results.filter((r) => r.choicesNll.some((n) => !Number.isFinite(n)))
  if (bad.length === 0) return null
  const first = bad[0]
  const choice = first.choicesNll.findIndex((n) => !Number.isFinite(n))
  return (
    `${bad.length} of ${results.length} examples have a choice with a non-finite NLL on ${device} (the first: line ${first.line}, choice ${choice}, ${first.choicesNll[choice]}), ` +
    'so there is no accuracy. The model\'s weights or the adapter\'s values overflow on this input; check them (or run with --precision fp32 on a GPU).'
  )
}

/**
 * Why the mean loss is not a number a user can use (null when it is): no scored token, or an
 * example whose NLL overflowed. A NaN summary with exit 0 would read as a result.
 */
function nonFiniteLossMessage(scores: readonly ExampleScore[], summary: EvalSummary, device: string): string | null {
  if (Number.isFinite(summary.loss)) return null
  if (summary.tokens === 0) return `no token was scored in ${summary.examples} examples, so there is no mean loss: give rows with a completion (or "text" of two tokens or more)`
  const bad = scores.filter((s) => !Number.isFinite(s.nll))
  const first = bad[0]
  return (
    `the mean loss is ${summary.loss} on ${device}: ${bad.length} of ${summary.examples} examples have a non-finite NLL` +
    `${first ? ` (the first: line ${first.line}, ${first.nll})` : ''}. The model's weights or the adapter's values overflow on this input; ` +
    'check them (or run with --precision fp32 on a GPU).'
  )
}

export function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  if (!/^\d+$/.test(text) || Number(text) === 0) throw new UsageError(`${flag} must be a positive integer, not "${text}"`)
  return Number(text)
}
