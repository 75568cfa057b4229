import { resolve } from 'node:path'
import { loadInferenceAdapter, openBaseFor } from '../../models/inference/adapter'
import { contextOverflow } from '../../models/inference/context-fit'
import { Generator } from '../../models/inference/generate'
import { ModelTokenizer } from '../../models/tokenizer'
import { EXIT_OK, UsageError, type Command } from '../command'
import { describeTarget } from '../../runtime'
import { parseOptions } from '../parse-options'
import { deviceFlags, deviceFlagsUsage } from './device-flags'
import { positiveInteger } from './eval'
import { reportUserError } from './model-errors'
import { cliDataDir } from '../open-services'

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt with a model (KV cache)',
  usage: `Usage: mixture-studio generate --model DIR --prompt TEXT [options]

Greedy by default; with --temperature above 0, samples (nucleus sampling with --top-p) from a
stream seeded by --seed. Stops at the model's EOS token or after --max-tokens.

  --adapter DIR      generate through a trained adapter (a run's adapter/ or checkpoints/step-N/
                     folder, native format) attached to the model
  --max-tokens N     most new tokens (default 128)
  --temperature T    0 = greedy (default 0)
  --top-p P          nucleus sampling mass in (0, 1] (default 1)
  --seed N           sampling seed (default 0)
  --chat             wrap the prompt in the model's chat template (as a user message, with the
                     generation prompt)
  --threads N        onnxruntime threads (default: all cores)
  --json             {"type":"generation","text","tokens","finish_reason","prompt_tokens",
                     "generated_tokens","tokens_per_s","device"}
${deviceFlagsUsage('runs the model')}`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      model: { type: 'string' }, adapter: { type: 'string' }, prompt: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' },
      'top-p': { type: 'string' }, seed: { type: 'string' }, chat: { type: 'boolean' }, threads: { type: 'string' }, json: { type: 'boolean' },
      device: { type: 'string' }, precision: { type: 'string' },
    })
    if (!values.model || values.prompt === undefined) throw new UsageError('generate needs --model DIR and --prompt TEXT')
    const maxTokens = positiveInteger('--max-tokens', values['max-tokens'], 128)
    const temperature = number('--temperature', values.temperature, 0)
    const topP = number('--top-p', values['top-p'], 1)
    const seed = values.seed === undefined ? 0 : Number(values.seed)
    if (!/^\d+$/.test(values.seed ?? '0')) throw new UsageError(`--seed must be a non-negative integer, not "${values.seed}"`)
    if (temperature < 0) throw new UsageError(`--temperature must be 0 or more, not ${temperature}`)
    if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], not ${topP}`)
    const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads, 1)
    const { device, precision } = deviceFlags(values)
    let generator: Generator | null = null
    try {
      const model = openBaseFor(resolve(values.model), values.adapter ? resolve(values.adapter) : null, cliDataDir(context))
      const tokenizer = ModelTokenizer.load(model.info.dir)
      const prompt = tokenizer.promptIds(values.prompt, values.chat === true)
      const longest = prompt.length + maxTokens
      const overflow = contextOverflow(prompt.length, maxTokens, model.spec.contextLength, '--max-tokens')
      if (overflow) throw new UsageError(overflow)
      const adapter = values.adapter ? loadInferenceAdapter(resolve(values.adapter), model) : null
      generator = await Generator.create(model, { threads, device, precision, maxPositions: Math.max(longest, 1), adapter })
      const where = describeTarget(generator.target)
      const { rows, stats } = await generator.generate([prompt], { maxTokens, temperature, topP, seed })
      const row = rows[0]
      const text = tokenizer.decode(row.tokens)
      const tokensPerSecond = stats.decodeSeconds > 0 ? (stats.generatedTokens - 1) / stats.decodeSeconds : null
      if (values.json) {
        context.stdout(`${JSON.stringify({
          type: 'generation', text, tokens: row.tokens, finish_reason: row.finishReason, prompt_tokens: prompt.length,
          generated_tokens: row.tokens.length, tokens_per_s: tokensPerSecond, device: where,
        })}\n`)
      } else {
        context.stdout(`${text}\n`)
        context.stderr(`[${row.tokens.length} tokens, ${row.finishReason === 'stop' ? 'stopped at EOS' : 'reached --max-tokens'}${tokensPerSecond ? `, ${tokensPerSecond.toFixed(1)} tokens/s` : ''} on ${where}]\n`)
      }
      return EXIT_OK
    } catch (error) {
      return reportUserError(error, context, values.json)
    } finally {
      await generator?.dispose()
    }
  },
}

function number(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, not "${text}"`)
  return n
}
