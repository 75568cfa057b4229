// decoder_step.onnx, checked from outside: a PLAIN onnxruntime-node session, driven by a loop
// written here after the model card's protocol (not the app's Generator), must give token for token
// the app's own greedy generation through the same adapter, for one prompt and for two prompts of
// different lengths (left padding). Both graphs read ONE model.onnx.data, each tensor stored once.
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdapterConfigInput } from '../../../main/engine/adapters'
import { decodeModel, OnnxDataType, type ModelProtoObject, type TensorProtoObject } from '../../../main/engine/onnx'
import { exportAdapter } from '../../../main/export'
import { checkSameTensors, planDataFile } from '../../../main/export/onnx-data-file'
import { Generator, loadInferenceAdapter, openModel, type OpenedModel } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { writeRandomAdapter } from './support'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-export-onnx-step-')))
afterAll(() => tmp.remove())

const NEW_TOKENS = 12
/** Adapter values under which every case's text varies (a tiny random model often repeats one pair of tokens). */
const ADAPTER_SEED = 7
const ONE_PROMPT = [[5, 9, 14, 3, 22, 7, 30, 11]]
const TWO_PROMPTS = [[5, 9, 14, 3, 22, 7, 30, 11], [12, 4, 8]]

interface Case {
  arch: TinyArch
  adapter: AdapterConfigInput
  config?: Record<string, unknown>
}

// Untied heads give random models varied text. Mistral's 4-token window is shorter than the text,
// so keys leave the window while generating (the graph then takes cache_positions).
const CASES: Case[] = [
  { arch: 'llama', adapter: { method: 'mov', experts: 3 } },
  { arch: 'mistral', adapter: { method: 'mov', experts: 3 }, config: { sliding_window: 4 } },
  { arch: 'qwen2', adapter: { method: 'mov', experts: 3 } },
  { arch: 'gpt2', adapter: { method: 'molora', experts: 3, rank: 2, alpha: 8, top_k: 2 } },
]

/** The app's own greedy tokens: the Generator through the adapter folder (null: the base model). */
async function appTokens(model: OpenedModel, adapterDir: string | null, prompts: number[][]): Promise<number[][]> {
  const generator = await Generator.create(model, { adapter: adapterDir ? loadInferenceAdapter(adapterDir) : null, threads: 1 })
  try {
    return (await generator.generate(prompts, { maxTokens: NEW_TOKENS, stopTokens: [] })).rows.map((r) => r.tokens)
  } finally {
    await generator.dispose()
  }
}

function int64(rows: readonly (readonly number[])[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length])
}

/** numpy's argmax: the first index of the largest value. */
function firstArgmax(row: Float32Array): number {
  let best = 0
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i
  return best
}

/** cumsum(mask) - mask: the real tokens before each slot (a token's position, a slot's for cache_positions). */
function realBefore(mask: number[]): number[] {
  let seen = 0
  return mask.map((m) => (seen += m) - m)
}

/** The card's greedy loop, line for line, on a plain session: prompts left-padded, the cache zero-filled at capacity. */
async function greedyByTheCard(session: ort.InferenceSession, prompts: number[][], kvHeads: number, headDim: number): Promise<number[][]> {
  const rows = prompts.length
  const prompt = Math.max(...prompts.map((p) => p.length))
  const capacity = prompt + NEW_TOKENS
  const promptMask = prompts.map((p) => Array.from({ length: prompt }, (_, s): number => (s >= prompt - p.length ? 1 : 0)))
  let ids = prompts.map((p) => [...new Array<number>(prompt - p.length).fill(0), ...p])
  const pastNames = session.inputNames.filter((n) => n.startsWith('past.'))
  const cache = new Map(pastNames.map((name) => [name, new Float32Array(rows * kvHeads * capacity * headDim)]))
  const mask = Array.from({ length: rows }, (_, b) => [...promptMask[b], ...new Array<number>(NEW_TOKENS).fill(0)])
  let positions = promptMask.map(realBefore)
  let start = 0
  const generated: number[][] = prompts.map(() => [])
  for (let t = 0; t < NEW_TOKENS; t++) {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: int64(ids),
      position_ids: int64(positions),
      attention_mask: int64(mask),
      cache_start: new ort.Tensor('int64', BigInt64Array.from([BigInt(start)]), [1]),
    }
    for (const [name, data] of cache) feeds[name] = new ort.Tensor('float32', data, [rows, kvHeads, capacity, headDim])
    if (session.inputNames.includes('cache_positions')) feeds.cache_positions = int64(mask.map(realBefore))
    const out = await session.run(feeds)
    const step = ids[0].length
    for (const [name, past] of cache) {
      // past[:, :, start:start + step] = present: rows of head_dim values per (batch, head, slot).
      const present = out[name.replace('past', 'present')].data as Float32Array
      for (let bh = 0; bh < rows * kvHeads; bh++) past.set(present.subarray(bh * step * headDim, (bh + 1) * step * headDim), (bh * capacity + start) * headDim)
    }
    start += step
    const logits = out.logits.data as Float32Array
    const vocab = out.logits.dims[1]
    ids = prompts.map((_, b) => [firstArgmax(logits.subarray(b * vocab, (b + 1) * vocab))])
    ids.forEach(([token], b) => generated[b].push(token))
    positions = positions.map((row) => [row[row.length - 1] + 1])
    for (const row of mask) row[start] = 1
  }
  return generated
}

function external(t: TensorProtoObject): { location: string; offset: number; length: number } {
  const entry = (key: string) => t.externalData?.find((e) => e.key === key)?.value
  return { location: entry('location')!, offset: Number(entry('offset')), length: Number(entry('length')) }
}

function stored(model: ModelProtoObject): Map<string, { location: string; offset: number; length: number }> {
  return new Map(model.graph.initializer!.filter((t) => t.dataLocation === 1).map((t) => [t.name!, external(t)]))
}

describe('ONNX export: decoder_step.onnx on a plain onnxruntime session generates what the app generates', () => {
  it.each(CASES.map((c) => [`${c.arch} ${c.adapter.method}`, c] as const))('%s', async (label, { arch, adapter, config }) => {
    const dir = join(tmp.dir, label.replaceAll(' ', '-'))
    const model = openModel(writeTinyModel(join(dir, 'base'), arch, { config: { tie_word_embeddings: false, ...config } }).dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, adapter, ADAPTER_SEED)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    expect(result.files.map((f) => f.path.slice(result.path.length + 1))).toContain('decoder_step.onnx')

    const { numKvHeads, headDim } = model.spec
    const windowed = arch === 'mistral'
    const session = await ort.InferenceSession.create(join(result.path, 'decoder_step.onnx'))
    try {
      const past = Array.from({ length: model.spec.numLayers }, (_, l) => [`past.${l}.key`, `past.${l}.value`]).flat()
      expect([...session.inputNames]).toEqual(['input_ids', 'position_ids', 'attention_mask', 'cache_start', ...(windowed ? ['cache_positions'] : []), ...past])
      expect([...session.outputNames].sort()).toEqual(['logits', ...past.map((n) => n.replace('past', 'present'))].sort())

      const one = await greedyByTheCard(session, ONE_PROMPT, numKvHeads, headDim)
      expect(one).toEqual(await appTokens(model, folder.dir, ONE_PROMPT))
      // Two prompts of different lengths: the shorter row is left-padded and masked.
      const two = await appTokens(model, folder.dir, TWO_PROMPTS)
      expect(await greedyByTheCard(session, TWO_PROMPTS, numKvHeads, headDim)).toEqual(two)
      // The adapter must matter, or equal tokens would prove nothing about it.
      expect(await appTokens(model, null, TWO_PROMPTS)).not.toEqual(two)
    } finally {
      await session.release()
    }

    // One data file, each tensor once: the step graph stores nothing the forward graph does not,
    // so model.onnx.data is exactly as large as the forward graph's tensors need.
    const forward = decodeModel(readFileSync(join(result.path, 'model.onnx')))
    const step = decodeModel(readFileSync(join(result.path, 'decoder_step.onnx')))
    const forwardStored = stored(forward)
    const stepStored = stored(step)
    const size = statSync(join(result.path, 'model.onnx.data')).size
    const ends = [...forwardStored.values()].map((e) => e.offset + e.length)
    expect(size).toBe(Math.max(...ends))
    for (const [name, entry] of stepStored) {
      expect(entry.location, name).toBe('model.onnx.data')
      expect(entry.offset + entry.length, name).toBeLessThanOrEqual(size)
    }
    const forwardRanges = new Set([...forwardStored.values()].map((e) => `${e.offset}+${e.length}`))
    expect([...stepStored.values()].filter((e) => !forwardRanges.has(`${e.offset}+${e.length}`))).toEqual([])
    // The base weights and the adapter's tensors are the same entries in both graphs (small
    // adapter tensors stay inline in each graph), the adapter's as float32 initializers.
    for (const name of folder.tensors.keys()) {
      expect(step.graph.initializer!.find((t) => t.name === name), name).toMatchObject({ dataType: OnnxDataType.float32 })
      expect(stepStored.get(name), name).toEqual(forwardStored.get(name))
    }
    const weights = [...model.info.weights.tensors.keys()].filter((n) => stepStored.has(n))
    expect(weights.length).toBeGreaterThan(0)
    for (const name of weights) expect(stepStored.get(name), name).toEqual(forwardStored.get(name))
    expect(step.metadataProps).toEqual(forward.metadataProps)

    const card = readFileSync(join(result.path, 'README.md'), 'utf8')
    expect(card).toContain('## Generating with a KV cache: `decoder_step.onnx`')
    expect(card).toContain(`| \`past.{0..${model.spec.numLayers - 1}}.key\` | float32 | [batch, ${numKvHeads}, cache, ${headDim}] |`)
    expect(card).toContain(`LAYERS, KV_HEADS, HEAD_DIM, NEW_TOKENS = ${model.spec.numLayers}, ${numKvHeads}, ${headDim}, 20`)
    expect(card.includes('cache_positions')).toBe(windowed)
  })

  it('T5 has no step graph yet, and its card says so and how to generate instead', async () => {
    const dir = join(tmp.dir, 't5')
    const model = openModel(writeTinyModel(join(dir, 'base'), 't5').dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, { method: 'mov', experts: 2 })
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    expect(result.files.map((f) => f.path.slice(result.path.length + 1))).not.toContain('decoder_step.onnx')
    const card = readFileSync(join(result.path, 'README.md'), 'utf8')
    expect(card).toContain('This export has no KV-cache step graph')
    expect(card).not.toContain('decoder_step.onnx')
  })
})

describe('one data file for several graphs', () => {
  const fileRange = (name: string, offset: number, length: number, dims = [length / 4]): TensorProtoObject => ({
    name,
    dims,
    dataType: OnnxDataType.float32,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: '/models/m/model.safetensors' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  })
  const inline = (name: string, fill: number): TensorProtoObject => ({ name, dims: [1024], dataType: OnnxDataType.float32, rawData: new Uint8Array(4096).fill(fill) })

  it('stores the same bytes once, whatever the names, and different bytes apart even under one name', () => {
    // Graph A and graph B: the same weight range and adapter bytes; each has its own "const/7".
    const a = [fileRange('w', 0, 4096), inline('adapter', 1), inline('const/7', 2)]
    const b = [fileRange('w', 0, 4096), inline('adapter', 1), inline('const/7', 3), fileRange('w.alias', 0, 4096)]
    const plan = planDataFile([...a, ...b])
    expect(plan.placed.map((p) => p.initializers.map((t) => t.name))).toEqual([['w', 'w', 'w.alias'], ['adapter', 'adapter'], ['const/7'], ['const/7']])
    expect(plan.placed.map((p) => p.offset)).toEqual([0, 4096, 8192, 12288])
    expect(plan.size).toBe(4 * 4096)
  })

  it('refuses graphs that disagree on a shared tensor, naming it and both files', () => {
    const model = (initializer: TensorProtoObject[]): ModelProtoObject => ({ irVersion: 8, opsetImport: [], graph: { name: 'g', node: [], initializer, input: [], output: [] } })
    const forward = model([fileRange('w', 0, 4096), inline('adapter', 1), inline('const/7', 2)])
    const agreeing = model([fileRange('w', 0, 4096), inline('adapter', 1), inline('const/7', 3)])
    const graphs = (step: ModelProtoObject) => [{ file: 'model.onnx', model: forward }, { file: 'decoder_step.onnx', model: step }]
    // Graph-local constants are not compared: "const/7" differs and that is fine.
    expect(() => checkSameTensors(graphs(agreeing), ['w', 'adapter'])).not.toThrow()
    const otherDims = model([fileRange('w', 0, 4096, [32, 32])])
    expect(() => checkSameTensors(graphs(otherDims), ['w'])).toThrow(/tensor "w" is dtype 1 \[1024\] .* in model\.onnx but dtype 1 \[32, 32\] .* in decoder_step\.onnx/)
    const otherBytes = model([inline('adapter', 9)])
    expect(() => checkSameTensors(graphs(otherBytes), ['adapter'])).toThrow(/tensor "adapter" is .*inline bytes.* in model\.onnx but .* in decoder_step\.onnx/)
    const otherRange = model([fileRange('w', 4096, 4096)])
    expect(() => checkSameTensors(graphs(otherRange), ['w'])).toThrow(/bytes 0\+4096 of .* but .*bytes 4096\+4096/)
  })
})
