// Rank classification computing each prompt once (KV cache; T5: the encoder once) gives the choice
// NLLs of the per-row path, which recomputes the prompt in every row and is checked against the
// float64 references in rank-classification.test.ts: base models and trained-looking MoV and LoRA
// adapters, choices of different lengths, identical choices, one-token prompts and choices, and
// rows that share less than their prompt.
import { describe, expect, it } from 'vitest'
import { createAdapter, parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { Graph } from '../../../main/engine/ir'
import { buildDecoderOnly, buildT5 } from '../../../main/engine/models'
import { Rng } from '../../../main/engine/random'
import type { EvalExample } from '../../../main/models/eval/examples'
import type { MultipleChoiceQuestion } from '../../../main/models/eval/multiple-choice'
import { sharedPromptLength } from '../../../main/models/eval/prompt-once-scorer'
import { ChoiceScorers, promptOnceByDefault, rankClassify } from '../../../main/models/eval/rank-classification'
import type { ProviderFacts } from '../../../main/runtime/execution-providers'
import type { InferenceAdapter } from '../../../main/models/inference/adapter'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { useTinyModels } from '../../helpers/tiny-model-dir'

const models = useTinyModels()

/** A decoder-only choice: `prompt` then `choice`, only the choice's tokens scored. */
function decoderChoice(prompt: number[], choice: number[]): EvalExample {
  const ids = [...prompt, ...choice]
  return { line: 1, ids, targets: ids.map((_, t) => (t + 1 >= prompt.length && t + 1 < ids.length ? ids[t + 1] : null)) }
}

/** A T5 choice: `prompt` the encoder input, `choice` the decoder's labels. */
function seq2seqChoice(prompt: number[], choice: number[]): EvalExample {
  return { line: 1, ids: prompt, targets: choice, decoderIds: [0, ...choice.slice(0, -1)] }
}

/** Hand-made questions covering the cases prompt-once must get right. */
function questionsFor(choice: (prompt: number[], choice: number[]) => EvalExample): MultipleChoiceQuestion[] {
  const q = (line: number, prompt: number[], choices: number[][], answer: number) => ({ line, choices: choices.map((c) => ({ ...choice(prompt, c), line })), answer })
  const long = [5, 9, 14, 3, 22, 7, 30, 11, 8, 6, 19, 2, 17, 23, 4, 12]
  return [
    // Choices of 1, 3 and 7 tokens after a prompt longer than any of them.
    q(1, long, [[13], [25, 26, 27], [28, 29, 30, 31, 32, 33, 34]], 1),
    // A tie: choices 0 and 2 are the same tokens, so the same NLL, and the prediction is never 2.
    q(2, long.slice(0, 9), [[40, 41], [42, 43, 44, 45], [40, 41]], 2),
    // A prompt of one token.
    q(3, [7], [[8, 9], [10], [11, 12, 13]], 0),
    // Every choice is one token: the prompt's logits score them all.
    q(4, long.slice(3, 11), [[20], [21], [22], [23]], 3),
  ]
}

/** The adapter's initial values pushed well away from identity, so it changes every NLL. */
function trainedLooking(model: OpenedModel, input: AdapterConfigInput): InferenceAdapter {
  const config = parseAdapterConfig(input)
  const graph = new Graph()
  const hooks = createAdapter(config).attach(graph)
  const build = { mode: 'forward' as const, hooks }
  if (model.spec.family === 't5') buildT5(model.spec, model.checkpoint, build, graph)
  else buildDecoderOnly(model.spec, model.checkpoint, build, graph)
  const values = hooks.finish().initialValues(1)
  const rng = new Rng(11)
  for (const data of values.values()) for (let i = 0; i < data.length; i++) data[i] += 2 * (rng.uniform() - 0.5)
  return { config, values }
}

async function bothPaths(model: OpenedModel, questions: MultipleChoiceQuestion[], adapter: InferenceAdapter | null) {
  const options = { threads: 1, adapter }
  const once = await rankClassify(model, questions, { ...options, promptOnce: true })
  const perRow = await rankClassify(model, questions, { ...options, promptOnce: false })
  return { once: once.results, perRow: perRow.results }
}

function expectSameNll(once: number[], perRow: number[]): void {
  expect(once).toHaveLength(perRow.length)
  once.forEach((nll, c) => expect(Math.abs(nll - perRow[c])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(perRow[c]))))
}

const ADAPTERS: (AdapterConfigInput | null)[] = [null, { method: 'mov', experts: 3 }, { method: 'lora', rank: 4 }]

describe.each(['llama', 'gpt2', 't5'] as const)('%s: prompt-once rank classification', (arch) => {
  it.each(ADAPTERS.map((a) => [a?.method ?? 'base model', a] as const))('%s: every choice NLL equals the per-row path', async (_name, input) => {
    const model = openModel(models.write(arch, { config: { tie_word_embeddings: false } }).dir)
    const questions = questionsFor(arch === 't5' ? seq2seqChoice : decoderChoice)
    const adapter = input ? trainedLooking(model, input) : null
    const { once, perRow } = await bothPaths(model, questions, adapter)
    once.forEach((result, q) => {
      expectSameNll(result.choicesNll, perRow[q].choicesNll)
      expect(result.choicesTokens).toEqual(perRow[q].choicesTokens)
      expect(result.choicesTokens).toEqual(questions[q].choices.map((c) => c.targets.filter((t) => t !== null).length))
      expect(result.prediction).toBe(perRow[q].prediction)
      result.choicesNll.forEach((nll) => expect(nll).toBeGreaterThan(0))
    })
    // The tie: identical rows of one batch, identical NLLs, and the first of them predicted.
    expect(once[1].choicesNll[0]).toBe(once[1].choicesNll[2])
    expect(once[1].prediction).not.toBe(2)
    if (input) {
      // The adapter is applied in both passes: without it every NLL differs.
      const base = await rankClassify(model, questions, { threads: 1, promptOnce: true })
      expect(base.results[0].choicesNll[2]).not.toBeCloseTo(once[0].choicesNll[2], 3)
    }
  })
})

describe('prompt-once rows that share less than their prompt', () => {
  it('scores from the tokens they share, or each alone when they share none, as the per-row path does', async () => {
    const model = openModel(models.write('llama', { config: { tie_word_embeddings: false } }).dir)
    const row = (ids: number[], firstScored: number): EvalExample => ({ line: 1, ids, targets: ids.map((_, t) => (t >= firstScored && t + 1 < ids.length ? ids[t + 1] : null)) })
    // The second choice's tokenization took the prompt's last token into its own (14 + choice -> 41).
    const merged = [row([5, 9, 14, 3, 22], 2), row([5, 9, 41, 8], 2)]
    // No first token in common: nothing to share.
    const apart = [row([5, 9, 3, 22], 1), row([6, 9, 4], 1)]
    expect(sharedPromptLength(merged)).toBe(2)
    expect(sharedPromptLength(apart)).toBe(0)
    expect(sharedPromptLength([row([5, 9, 14, 3, 22], 2), row([5, 9, 14, 8], 2)])).toBe(3)
    const questions = [{ line: 1, choices: merged, answer: 0 }, { line: 2, choices: apart, answer: 1 }]
    const { once, perRow } = await bothPaths(model, questions, null)
    once.forEach((result, q) => expectSameNll(result.choicesNll, perRow[q].choicesNll))
  })
})

describe('prompt-once by default', () => {
  const linux = (backends: string[], gpuDevicePresent: boolean): ProviderFacts => ({
    platform: 'linux', arch: 'x64', backends: backends.map((name) => ({ name, bundled: true })), hasProviderLibrary: () => true, gpuDevicePresent,
  })

  it('wherever scoring can only run on the CPU (eval\'s default device, auto, on a machine without a GPU); a GPU keeps the static per-row batch', () => {
    expect(promptOnceByDefault('cpu', linux(['cpu', 'cuda'], true))).toBe(true)
    expect(promptOnceByDefault('auto', linux(['cpu', 'webgpu'], false))).toBe(true)
    expect(promptOnceByDefault('auto', linux(['cpu', 'webgpu'], true))).toBe(false)
    expect(promptOnceByDefault('auto', linux(['cpu', 'cuda'], true))).toBe(false)
    expect(promptOnceByDefault('cuda', linux(['cpu', 'cuda'], true))).toBe(false)
  })

  it('an open scorer says which path it takes', async () => {
    const model = openModel(models.write('llama').dir)
    const questions = questionsFor(decoderChoice)
    for (const [promptOnce, expected] of [[undefined, true], [false, false], [true, true]] as const) {
      const scorers = await ChoiceScorers.open(model, questions, { threads: 1, device: 'cpu', ...(promptOnce === undefined ? {} : { promptOnce }) })
      expect(scorers.promptOnce).toBe(expected)
      await scorers.dispose()
    }
  })
})
