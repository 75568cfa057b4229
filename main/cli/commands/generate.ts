import { resolve } from 'node:path'
import { loadInferenceAdapter, openBaseFor, type InferenceAdapter } from '../../models/inference/adapter'
import { contextOverflow } from '../../models/inference/context-fit'
import { Generator } from '../../models/inference/generate'
import { stopTokensUnder, textBeforeEndOfTurn } from '../../models/inference/end-of-turn'
import type { OpenedModel } from '../../models/inference/open-model'
import type { CheckpointChoice } from '../../train/run-eval'
import { runPrompts, type EndOfTurn } from '../../train/run-prompts'
import { ModelTokenizer } from '../../models/tokenizer'
import { EXIT_OK, UsageError, type CliContext, type Command } from '../command'
import { describeTarget } from '../../runtime'
import { parseOptions } from '../parse-options'
import { deviceFlags, deviceFlagsUsage } from './device-flags'
import { positiveInteger } from './eval'
import { reportUserError } from './model-errors'
import { cliDataDir } from '../open-services'
import { idArgument } from '../id-argument'
import { CHECKPOINT_OPTION_HELP, checkpointChoice } from './checkpoint-option'
import { openRun, readRun, templateWords } from './eval-run'

export const generateCommand: Command = {
  name: 'generate',
  summary: 'generate text from a prompt with a model (KV cache)',
  usage: `Usage: mixture-studio generate --model DIR --prompt TEXT [options]
       mixture-studio generate --run RUN [--checkpoint best|last|N] --prompt TEXT [options]

Greedy by default; with --temperature above 0, samples (nucleus sampling with --top-p) from a
stream seeded by --seed. Stops at the model's EOS token or after --max-tokens.

With --run, the run's model and adapter answer, and the prompt goes through the run's own
template, as its training showed prompts to the adapter (the model's chat template, ChatML, or
plain text for a run trained on text rows); the answer ends at the template's end of turn.

  --adapter DIR      generate through a trained adapter (a run's adapter/ or checkpoints/step-N/
                     folder, native format) attached to the model
  --run RUN          a run (mixture-studio runs lists them): its model, adapter and template
  --checkpoint C     with --run: ${CHECKPOINT_OPTION_HELP.replaceAll('\n                  ', '\n                     ')}
  --raw              with --run: the prompt as it is, without the run's template
  --max-tokens N     most new tokens (default 128)
  --temperature T    0 = greedy (default 0)
  --top-p P          nucleus sampling mass in (0, 1] (default 1)
  --seed N           sampling seed (default 0)
  --chat             wrap the prompt in the model's chat template (as a user message, with the
                     generation prompt), with --run too
  --threads N        onnxruntime threads (default: all cores)
  --json             {"type":"generation","text","tokens","finish_reason","prompt_tokens",
                     "generated_tokens","tokens_per_s","device"}
${deviceFlagsUsage('runs the model')}`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      model: { type: 'string' }, adapter: { type: 'string' }, run: { type: 'string' }, checkpoint: { type: 'string' }, raw: { type: 'boolean' },
      prompt: { type: 'string' }, 'max-tokens': { type: 'string' }, temperature: { type: 'string' },
      'top-p': { type: 'string' }, seed: { type: 'string' }, chat: { type: 'boolean' }, threads: { type: 'string' }, json: { type: 'boolean' },
      device: { type: 'string' }, precision: { type: 'string' },
    })
    if (values.prompt === undefined) throw new UsageError('generate needs --prompt TEXT')
    if (values.run !== undefined) {
      if (values.model || values.adapter) throw new UsageError("generate --run answers through the run's own model and adapter: leave out --model and --adapter (pick the adapter with --checkpoint)")
      if (values.chat && values.raw) throw new UsageError('give --chat or --raw, not both')
    } else {
      if (!values.model) throw new UsageError('generate needs --model DIR (or --run RUN) and --prompt TEXT')
      if (values.checkpoint !== undefined) throw new UsageError('--checkpoint picks an adapter of a run: give it with --run RUN')
      if (values.raw) throw new UsageError('--raw gives a run\'s prompt without its template: use it with --run RUN (without --run the prompt is raw unless --chat)')
    }
    const maxTokens = positiveInteger('--max-tokens', values['max-tokens'], 128)
    const temperature = number('--temperature', values.temperature, 0)
    const topP = number('--top-p', values['top-p'], 1)
    const seed = values.seed === undefined ? 0 : Number(values.seed)
    if (!/^\d+$/.test(values.seed ?? '0')) throw new UsageError(`--seed must be a non-negative integer, not "${values.seed}"`)
    if (temperature < 0) throw new UsageError(`--temperature must be 0 or more, not ${temperature}`)
    if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], not ${topP}`)
    const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads, 1)
    const { device, precision } = deviceFlags(values)
    const checkpoint = checkpointChoice(values.checkpoint)
    const runId = values.run === undefined ? null : idArgument(context, 'run', values.run)
    let generator: Generator | null = null
    try {
      const what = runId !== null ? openRunPrompting(context, runId, checkpoint, values.chat ? 'chat' : values.raw ? 'raw' : 'run') : openModelPrompting(context, values.model!, values.adapter, values.chat === true)
      const { model, tokenizer, adapter, endOfTurn } = what
      const prompt = what.promptIds(values.prompt)
      const longest = prompt.length + maxTokens
      const overflow = contextOverflow(prompt.length, maxTokens, model.spec.contextLength, '--max-tokens')
      if (overflow) throw new UsageError(overflow)
      generator = await Generator.create(model, { threads, device, precision, maxPositions: Math.max(longest, 1), adapter })
      const where = describeTarget(generator.target)
      const stopTokens = stopTokensUnder(model, endOfTurn)
      const { rows, stats } = await generator.generate([prompt], { maxTokens, temperature, topP, seed, stopTokens })
      const row = rows[0]
      const { text, ended } = textBeforeEndOfTurn(tokenizer.decode(row.tokens), endOfTurn)
      const finishReason = ended ? 'stop' : row.finishReason
      const tokensPerSecond = stats.decodeSeconds > 0 ? (stats.generatedTokens - 1) / stats.decodeSeconds : null
      if (values.json) {
        context.stdout(`${JSON.stringify({
          type: 'generation', text, tokens: row.tokens, finish_reason: finishReason, prompt_tokens: prompt.length,
          generated_tokens: row.tokens.length, tokens_per_s: tokensPerSecond, device: where, ...what.about?.fields,
        })}\n`)
      } else {
        context.stdout(`${text}\n`)
        const stopped = finishReason === 'stop' ? (endOfTurn ? 'stopped at the end of its turn' : 'stopped at EOS') : 'reached --max-tokens'
        context.stderr(`[${row.tokens.length} tokens, ${stopped}${tokensPerSecond ? `, ${tokensPerSecond.toFixed(1)} tokens/s` : ''} on ${where}${what.about ? `; ${what.about.words}` : ''}]\n`)
      }
      return EXIT_OK
    } catch (error) {
      return reportUserError(error, context, values.json)
    } finally {
      await generator?.dispose()
    }
  },
}

/** What answers a prompt, and how the prompt is written for it. */
interface Prompting {
  model: OpenedModel
  tokenizer: ModelTokenizer
  adapter: InferenceAdapter | null
  promptIds(prompt: string): number[]
  /** The run's template's end of turn, where the answer ends; null for a raw or chat prompt. */
  endOfTurn: EndOfTurn | null
  /** --run: what the summary says about the run, as JSON fields and as words. */
  about?: { fields: Record<string, unknown>; words: string }
}

function openModelPrompting(context: CliContext, modelDir: string, adapterDir: string | undefined, chat: boolean): Prompting {
  const model = openBaseFor(resolve(modelDir), adapterDir ? resolve(adapterDir) : null, cliDataDir(context))
  const tokenizer = ModelTokenizer.load(model.info.dir)
  const adapter = adapterDir ? loadInferenceAdapter(resolve(adapterDir), model) : null
  return { model, tokenizer, adapter, promptIds: (prompt) => tokenizer.promptIds(prompt, chat), endOfTurn: null }
}

/** The run's model and adapter; the prompt through the run's template ('run'), the model's chat template, or as it is. */
function openRunPrompting(context: CliContext, runId: string, checkpoint: CheckpointChoice, format: 'run' | 'chat' | 'raw'): Prompting {
  const dataDir = cliDataDir(context)
  const { record, config, model, adapter, adapterChoice } = openRun(dataDir, readRun(dataDir, runId), checkpoint)
  const tokenizer = ModelTokenizer.load(model.info.dir)
  const rendering = format === 'run' ? runPrompts(config, model.info.dir) : null
  const template = rendering?.templateName ?? (format === 'chat' ? 'model' : null)
  return {
    model,
    tokenizer,
    adapter,
    promptIds: rendering ? rendering.promptIds : (prompt) => tokenizer.promptIds(prompt, format === 'chat'),
    endOfTurn: rendering?.endOfTurn ?? null,
    about: {
      fields: { run: record.id, checkpoint: adapterChoice.label, adapter: adapterChoice.path, template },
      words: `run ${record.id}, its ${adapterChoice.label}, ${template === null ? 'the prompt as it is' : templateWords(template)}`,
    },
  }
}

function number(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, not "${text}"`)
  return n
}
