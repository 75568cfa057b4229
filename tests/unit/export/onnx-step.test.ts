// decoder_step.onnx, checked from outside: a PLAIN onnxruntime-node session, driven by a loop
// written here after the model card's protocol (not the app's Generator), must give token for token
// the app's own greedy generation through the same adapter, for one prompt and for two prompts of
// different lengths (left padding). Both graphs read ONE model.onnx.data, each tensor stored once.
import { createHash } from 'node:crypto'
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
async function appTokens(model: OpenedModel, adapterDir: string | null, prompts: number[][], stopTokens: number[] = []): Promise<number[][]> {
  const generator = await Generator.create(model, { adapter: adapterDir ? loadInferenceAdapter(adapterDir, model) : null, threads: 1 })
  try {
    return (await generator.generate(prompts, { maxTokens: NEW_TOKENS, stopTokens })).rows.map((r) => r.tokens)
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

interface T5Facts {
  heads: number
  headDim: number
  /** decoder_start_token_id */
  start: number
  eos: number
  pad: number
}

/**
 * The card's T5 loop, line for line, on plain sessions: the sources right-padded with the pad id
 * (the tokenizer's padding=True), encoded once; then one decoder token per step from START, a
 * finished row only padding. Each row's tokens up to its end-of-sequence token (included, as the
 * Generator gives them), i.e. what the card's skip_special_tokens decode shows, plus that token.
 */
async function greedyT5ByTheCard(encoder: ort.InferenceSession, step: ort.InferenceSession, prompts: number[][], t5: T5Facts): Promise<number[][]> {
  const rows = prompts.length
  const width = Math.max(...prompts.map((p) => p.length))
  const sourceMask = int64(prompts.map((p) => Array.from({ length: width }, (_, s): number => (s < p.length ? 1 : 0))))
  const sourceIds = int64(prompts.map((p) => [...p, ...new Array<number>(width - p.length).fill(t5.pad)]))
  const cross = await encoder.run({ input_ids: sourceIds, attention_mask: sourceMask })
  const pastNames = step.inputNames.filter((n) => n.startsWith('past.'))
  const cache = new Map(pastNames.map((name) => [name, new Float32Array(rows * t5.heads * NEW_TOKENS * t5.headDim)]))
  const mask = prompts.map(() => new Array<number>(NEW_TOKENS).fill(0))
  let ids = prompts.map(() => [t5.start])
  const newTokens: number[][] = []
  const finished = new Array<boolean>(rows).fill(false)
  for (let slot = 0; slot < NEW_TOKENS; slot++) {
    for (const row of mask) row[slot] = 1
    const positions = mask.map(realBefore)
    const feeds: Record<string, ort.Tensor> = {
      encoder_attention_mask: sourceMask,
      ...cross,
      input_ids: int64(ids),
      position_ids: int64(positions.map((row) => [row[slot]])),
      attention_mask: int64(mask),
      cache_start: new ort.Tensor('int64', BigInt64Array.from([BigInt(slot)]), [1]),
      cache_positions: int64(positions),
    }
    for (const [name, data] of cache) feeds[name] = new ort.Tensor('float32', data, [rows, t5.heads, NEW_TOKENS, t5.headDim])
    const out = await step.run(feeds)
    for (const [name, past] of cache) {
      // past[:, :, slot:slot + 1] = present: one head_dim row per (batch, head).
      const present = out[name.replace('past', 'present')].data as Float32Array
      for (let bh = 0; bh < rows * t5.heads; bh++) past.set(present.subarray(bh * t5.headDim, (bh + 1) * t5.headDim), (bh * NEW_TOKENS + slot) * t5.headDim)
    }
    const logits = out.logits.data as Float32Array
    const vocab = out.logits.dims[1]
    ids = prompts.map((_, b) => [finished[b] ? t5.pad : firstArgmax(logits.subarray(b * vocab, (b + 1) * vocab))])
    newTokens.push(ids.map(([token]) => token))
    ids.forEach(([token], b) => (finished[b] ||= token === t5.eos))
    if (finished.every(Boolean)) break
  }
  return prompts.map((_, b) => {
    const row = newTokens.map((tokens) => tokens[b])
    const end = row.indexOf(t5.eos)
    return end < 0 ? row : row.slice(0, end + 1)
  })
}

const GRAPH_FILES_T5 = ['model.onnx', 'encoder.onnx', 'decoder_step.onnx'] as const

/**
 * model.onnx.data holds each distinct tensor of the graphs once: the distinct (offset, length)
 * entries of all graphs, laid out by planDataFile, give exactly the file (same offsets, same
 * size), no two of them hold the same bytes, and every entry of every graph lies inside it.
 */
async function expectEachTensorOnce(folder: string, models: ModelProtoObject[]): Promise<void> {
  const path = join(folder, 'model.onnx.data')
  const data = readFileSync(path)
  const entries = models.flatMap((m) => [...stored(m).entries()])
  for (const [name, entry] of entries) {
    expect(entry.location, name).toBe('model.onnx.data')
    expect(entry.offset + entry.length, name).toBeLessThanOrEqual(data.byteLength)
  }
  const ranges = [...new Map(entries.map(([, e]) => [`${e.offset}+${e.length}`, e])).values()].sort((a, b) => a.offset - b.offset)
  const asSource = ranges.map((e, i): TensorProtoObject => ({
    name: `range${i}`,
    dims: [e.length],
    dataType: OnnxDataType.uint8,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: path },
      { key: 'offset', value: String(e.offset) },
      { key: 'length', value: String(e.length) },
    ],
  }))
  const plan = planDataFile(asSource)
  expect(plan.placed.map((p) => p.offset)).toEqual(ranges.map((e) => e.offset))
  expect(statSync(path).size).toBe(plan.size)
  const digests = ranges.map((e) => createHash('sha256').update(data.subarray(e.offset, e.offset + e.length)).digest('hex'))
  expect(new Set(digests).size).toBe(ranges.length)
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
    await expectEachTensorOnce(result.path, [forward, step])
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

  it('t5 mov: encoder.onnx then decoder_step.onnx, by the card, give the app\'s tokens', async () => {
    const dir = join(tmp.dir, 't5-mov')
    const model = openModel(writeTinyModel(join(dir, 'base'), 't5', { config: { tie_word_embeddings: false } }).dir)
    if (model.spec.family !== 't5') throw new Error('the tiny t5 is not a T5')
    const spec = model.spec
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, { method: 'mov', experts: 3 }, ADAPTER_SEED)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    expect(result.files.map((f) => f.path.slice(result.path.length + 1))).toEqual(expect.arrayContaining(['model.onnx', 'encoder.onnx', 'decoder_step.onnx', 'model.onnx.data']))

    const cross = Array.from({ length: spec.numDecoderLayers }, (_, l) => [`cross.${l}.key`, `cross.${l}.value`]).flat()
    const past = Array.from({ length: spec.numDecoderLayers }, (_, l) => [`past.${l}.key`, `past.${l}.value`]).flat()
    const eos = spec.tokens.eos[0]
    const t5 = { heads: spec.numHeads, headDim: spec.headDim, start: spec.decoderStartTokenId, eos, pad: spec.tokens.pad ?? 0 }
    const encoder = await ort.InferenceSession.create(join(result.path, 'encoder.onnx'))
    const session = await ort.InferenceSession.create(join(result.path, 'decoder_step.onnx'))
    try {
      expect([...encoder.inputNames]).toEqual(['input_ids', 'attention_mask'])
      expect([...encoder.outputNames]).toEqual(cross)
      expect([...session.inputNames]).toEqual(['encoder_attention_mask', ...cross, 'input_ids', 'position_ids', 'attention_mask', 'cache_start', 'cache_positions', ...past])
      expect([...session.outputNames].sort()).toEqual(['logits', ...past.map((n) => n.replace('past', 'present'))].sort())

      const app = (adapterDir: string | null, prompts: number[][]) => appTokens(model, adapterDir, prompts, [eos])
      const one = await app(folder.dir, ONE_PROMPT)
      expect(await greedyT5ByTheCard(encoder, session, ONE_PROMPT, t5)).toEqual(one)
      // Two sources of different lengths: the shorter is right-padded with the pad id and masked.
      const two = await app(folder.dir, TWO_PROMPTS)
      expect(await greedyT5ByTheCard(encoder, session, TWO_PROMPTS, t5)).toEqual(two)
      // The text varies (equal tokens over a repeated one would prove little), and the adapter matters.
      for (const row of two) expect(new Set(row).size, row.join(' ')).toBeGreaterThan(2)
      expect(await app(null, TWO_PROMPTS)).not.toEqual(two)
      // The stop path (the tiny model does not give its EOS here): with a token of the second row's
      // text as end-of-sequence, that row stops at it and only pads while the first goes on.
      const stop = two[1][2]
      const stopped = await appTokens(model, folder.dir, TWO_PROMPTS, [stop])
      expect(stopped[1]).toEqual(two[1].slice(0, two[1].indexOf(stop) + 1))
      expect(stopped[0].length).toBeGreaterThan(stopped[1].length)
      expect(await greedyT5ByTheCard(encoder, session, TWO_PROMPTS, { ...t5, eos: stop })).toEqual(stopped)
    } finally {
      await session.release()
      await encoder.release()
    }

    const graphs = GRAPH_FILES_T5.map((file) => ({ file, proto: decodeModel(readFileSync(join(result.path, file))) }))
    await expectEachTensorOnce(result.path, graphs.map((g) => g.proto))
    const [forward, encoderProto, step] = graphs.map((g) => stored(g.proto))
    // Every adapter tensor drives generation, in one of the two graphs, as a float32 initializer
    // holding the forward graph's bytes; so does every base weight the generation graphs read.
    for (const name of folder.tensors.keys()) {
      const holders = [graphs[1], graphs[2]].filter((g) => g.proto.graph.initializer!.some((t) => t.name === name))
      expect(holders.length, name).toBeGreaterThan(0)
      for (const { proto } of holders) expect(proto.graph.initializer!.find((t) => t.name === name), name).toMatchObject({ dataType: OnnxDataType.float32 })
      for (const entries of [encoderProto, step]) if (entries.has(name)) expect(entries.get(name), name).toEqual(forward.get(name))
    }
    for (const entries of [encoderProto, step]) {
      const weights = [...model.info.weights.tensors.keys()].filter((n) => entries.has(n))
      expect(weights.length).toBeGreaterThan(0)
      for (const name of weights) expect(entries.get(name), name).toEqual(forward.get(name))
    }
    for (const { proto } of graphs) expect(proto.metadataProps).toEqual(graphs[0].proto.metadataProps)

    const card = readFileSync(join(result.path, 'README.md'), 'utf8')
    expect(card).toContain('## Generating with a KV cache: `encoder.onnx` and `decoder_step.onnx`')
    expect(card).toContain(`| \`cross.{0..${spec.numDecoderLayers - 1}}.key\` | float32 | [batch, ${spec.numHeads}, src, ${spec.headDim}] |`)
    expect(card).toContain(`| \`past.{0..${spec.numDecoderLayers - 1}}.key\` | float32 | [batch, ${spec.numHeads}, cache, ${spec.headDim}] |`)
    expect(card).toContain(`LAYERS, HEADS, HEAD_DIM, START, NEW_TOKENS = ${spec.numDecoderLayers}, ${spec.numHeads}, ${spec.headDim}, ${spec.decoderStartTokenId}, 20`)
    expect(card).not.toContain('no KV-cache step graph')
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
