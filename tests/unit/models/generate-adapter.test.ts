// Generation through an adapter (the playground's base + adapter answer): the cached generator
// with a trained-looking adapter gives, token for token, what a whole-sequence forward pass with
// the same adapter gives; the methods' identity inits leave the base model's text unchanged.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAdapter, parseAdapterConfig, type AdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { Graph } from '../../../main/engine/ir'
import { buildDecoderOnly } from '../../../main/engine/models'
import { Rng } from '../../../main/engine/random'
import { Generator } from '../../../main/models/inference/generate'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { int64Matrix } from '../../../main/models/inference/tensors'
import { createGraphSession, hostTensor } from '../../../main/runtime'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir()))
afterAll(() => tmp.remove())

const PROMPT = [5, 9, 14, 3, 22]
const TOKENS = 8

function tiny(arch: TinyArch): OpenedModel {
  return openModel(writeTinyModel(join(tmp.dir, arch), arch, { config: { tie_word_embeddings: false } }).dir)
}

/** The adapter's initial values, pushed well away from identity so it changes the text. */
function trainedLookingValues(model: OpenedModel, config: AdapterConfig): Map<string, Float32Array> {
  const graph = new Graph()
  const attachment = createAdapter(config).attach(graph)
  buildDecoderOnly(model.spec as Parameters<typeof buildDecoderOnly>[0], model.checkpoint, { mode: 'forward', hooks: attachment }, graph)
  const build = attachment.finish()
  const rng = new Rng(7)
  const values = build.initialValues(1)
  for (const data of values.values()) for (let i = 0; i < data.length; i++) data[i] += 2 * (rng.uniform() - 0.5)
  return values
}

/** Greedy decoding by recomputing the whole sequence with the adapter each step (no cache). */
async function greedyWithoutCache(model: OpenedModel, config: AdapterConfig, values: Map<string, Float32Array>): Promise<number[]> {
  const graph = new Graph()
  const attachment = createAdapter(config).attach(graph)
  buildDecoderOnly(model.spec as Parameters<typeof buildDecoderOnly>[0], model.checkpoint, { mode: 'forward', hooks: attachment }, graph)
  const feeds = Object.fromEntries(attachment.finish().parameters.map((p) => [p.name, hostTensor('float32', p.shape, values.get(p.name)!)]))
  const session = await createGraphSession(graph, { device: 'cpu', threads: 1 })
  const tokens: number[] = []
  try {
    for (let t = 0; t < TOKENS; t++) {
      const ids = [...PROMPT, ...tokens]
      const out = await session.run({ ...feeds, input_ids: int64Matrix([ids]), attention_mask: int64Matrix([ids.map(() => 1)]) })
      const vocab = out.logits.shape[2]
      const last = (out.logits.data as Float32Array).subarray((ids.length - 1) * vocab, ids.length * vocab)
      tokens.push(last.indexOf(Math.max(...last)))
    }
  } finally {
    await session.dispose()
  }
  return tokens
}

async function generate(model: OpenedModel, adapter?: { config: AdapterConfig; values: Map<string, Float32Array> }): Promise<number[]> {
  const generator = await Generator.create(model, { threads: 1, ...(adapter ? { adapter } : {}) })
  try {
    return (await generator.generate([PROMPT], { maxTokens: TOKENS, stopTokens: [] })).rows[0].tokens
  } finally {
    await generator.dispose()
  }
}

const METHODS: AdapterConfigInput[] = [{ method: 'mov', experts: 3 }, { method: 'lora', rank: 4 }, { method: 'molora', experts: 2, rank: 2 }, { method: 'ia3' }]

describe.each(['qwen2', 'gpt2'] as const)('%s generation with an adapter', (arch) => {
  it.each(METHODS)('$method: the cached generator equals a whole-sequence forward pass with the adapter', async (input) => {
    const model = tiny(arch)
    const config = parseAdapterConfig(input)
    const values = trainedLookingValues(model, config)
    const adapted = await generate(model, { config, values })
    expect(adapted).toEqual(await greedyWithoutCache(model, config, values))
    // The adapter matters: the same prompt without it continues differently.
    expect(adapted).not.toEqual(await generate(model))
  })
})

describe('generation with an untrained adapter', () => {
  it('LoRA (B = 0) and (IA)³ (ones) leave the base model\'s text exactly as it was', async () => {
    const model = tiny('llama')
    const base = await generate(model)
    for (const input of [{ method: 'lora' }, { method: 'ia3' }] as AdapterConfigInput[]) {
      const config = parseAdapterConfig(input)
      const graph = new Graph()
      const attachment = createAdapter(config).attach(graph)
      buildDecoderOnly(model.spec as Parameters<typeof buildDecoderOnly>[0], model.checkpoint, { mode: 'forward', hooks: attachment }, graph)
      expect(await generate(model, { config, values: attachment.finish().initialValues(3) })).toEqual(base)
    }
  })

  it('names a tensor the adapter lacks', async () => {
    const model = tiny('qwen3')
    await expect(Generator.create(model, { adapter: { config: parseAdapterConfig({ method: 'ia3' }), values: new Map() } })).rejects.toThrow(/no tensor model\.layers\.0\..*ia3_l/)
  })
})
