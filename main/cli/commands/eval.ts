import { resolve } from 'node:path'
import { evaluate, type EvalSummary, type ExampleScore } from '../../models/eval/evaluate'
import { loadInferenceAdapter } from '../../models/inference/adapter'
import { readEvalExamples } from '../../models/eval/examples'
import { openModel } from '../../models/inference/open-model'
import { describeTarget } from '../../runtime'
import { ModelTokenizer } from '../../models/tokenizer'
import { EXIT_FAILURE, EXIT_OK, UsageError, type Command } from '../command'
import { parseOptions } from '../parse-options'
import { deviceFlags, deviceFlagsUsage } from './device-flags'
import { reportUserError } from './model-errors'

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a dataset with a model: per-example NLL and the mean loss',
  usage: `Usage: mixture-studio eval --model DIR [--adapter DIR] --data FILE [--json] [--batch-size N] [--threads N] [--device D] [--precision P]

DATA is JSON Lines of {"prompt", "completion"} rows (the completion, then EOS, is scored; T5: the
prompt is the encoder input) or {"text"} rows (every token after the first is scored).
Prints each example's summed negative log-likelihood (nats) and scored-token count, then the
token-mean loss over all of them (Σ nll / Σ tokens).

  --adapter DIR   score through a trained adapter (a run's adapter/ or checkpoints/step-N/
                  folder, native format) attached to the model
  --json          one JSON object per line: {"type":"example","index","line","nll","tokens"} ...,
                  then {"type":"eval","loss","nll","tokens","examples"}
  --batch-size N  examples per forward pass (default 8)
  --threads N     onnxruntime threads (default: all cores)
${deviceFlagsUsage('runs the pass')}`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      model: { type: 'string' }, adapter: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, threads: { type: 'string' },
      device: { type: 'string' }, precision: { type: 'string' },
    })
    if (!values.model || !values.data) throw new UsageError('eval needs --model DIR and --data FILE')
    const batchSize = positiveInteger('--batch-size', values['batch-size'], 8)
    const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads, 1)
    const { device, precision } = deviceFlags(values)
    try {
      const model = openModel(resolve(values.model))
      const adapter = values.adapter ? loadInferenceAdapter(resolve(values.adapter), model) : null
      const examples = readEvalExamples(resolve(values.data), ModelTokenizer.load(model.info.dir), model.spec)
      const { scores, summary, target } = await evaluate(model, examples, {
        adapter,
        batchSize,
        threads,
        device,
        precision,
        onExample: (s) =>
          context.stdout(values.json ? `${JSON.stringify({ type: 'example', ...s })}\n` : `example ${s.index} (line ${s.line})  nll ${s.nll.toFixed(4)}  tokens ${s.tokens}\n`),
      })
      const notFinite = nonFiniteLossMessage(scores, summary, describeTarget(target))
      if (notFinite) {
        if (values.json) context.stdout(`${JSON.stringify({ type: 'error', message: notFinite })}\n`)
        else context.stderr(`${notFinite}\n`)
        return EXIT_FAILURE
      }
      context.stdout(
        values.json
          ? `${JSON.stringify({ type: 'eval', ...summary, device: describeTarget(target) })}\n`
          : `mean loss ${summary.loss.toFixed(4)} over ${summary.tokens} tokens in ${summary.examples} examples (perplexity ${Math.exp(summary.loss).toFixed(2)}) on ${describeTarget(target)}\n`,
      )
      return EXIT_OK
    } catch (error) {
      return reportUserError(error, context, values.json)
    }
  },
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
