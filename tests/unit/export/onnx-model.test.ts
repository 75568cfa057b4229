// The ONNX export, checked from outside: model.onnx is loaded by a PLAIN onnxruntime-node session
// (none of the project's wrappers, no external-data folder option), fed a padded batch, and its
// logits must equal Mixture Studio's own inference through the same adapter (ForwardSession), and
// differ from the base model's. The folder must still run once the base model is gone, and on
// WebGPU give the same logits with every product on the GPU.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AdapterConfigInput } from '../../../main/engine/adapters'
import { decodeModel, OnnxDataType, type TensorProtoObject } from '../../../main/engine/onnx'
import { exportAdapter } from '../../../main/export'
import { INLINE_LIMIT_BYTES, planDataFile, writeDataFile } from '../../../main/export/onnx-data-file'
import { ForwardSession, loadInferenceAdapter, openModel, type ForwardBatch, type OpenedModel } from '../../../main/models'
import { openBaseFor } from '../../../main/models/inference/adapter'
import { openStore } from '../../../main/store'
import { writeAdapterFolder } from '../../../main/train/adapter-files'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { webgpuUnavailableReason } from '../../helpers/webgpu'
import { writeTinyModel, type TinyArch, type TinyDType } from '../../helpers/tiny-models'
import { canLimitFileSize, exportUnderFileSizeLimit } from './export-under-size-limit'
import { folderBytes, maxAbsDifference, writeRandomAdapter } from './support'

const TOLERANCE = 1e-4
const webgpuUnavailable = await webgpuUnavailableReason()
let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-export-onnx-')))
afterAll(() => tmp.remove())

// Row 0 is full, row 1 left-padded, row 2 right-padded: positions must come from the mask.
const TOKENS = {
  ids: [
    [5, 9, 14, 3, 22, 7, 30, 11],
    [0, 0, 12, 4, 8, 19, 2, 6],
    [17, 3, 25, 9, 1, 0, 0, 0],
  ],
  mask: [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0, 0],
  ],
}
const DECODER = {
  ids: [
    [0, 7, 3, 9, 4],
    [0, 5, 5, 1, 2],
    [0, 8, 2, 0, 0],
  ],
  mask: [
    [1, 1, 1, 1, 1],
    [1, 1, 1, 1, 0],
    [1, 1, 1, 0, 0],
  ],
}

function batchFor(model: OpenedModel): ForwardBatch {
  return model.spec.family === 't5' ? { tokens: TOKENS, decoder: DECODER } : { tokens: TOKENS }
}

function int64(rows: number[][]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length])
}

/** Runs the exported model with nothing but onnxruntime-node. */
async function plainRun(modelPath: string, batch: ForwardBatch, options: ort.InferenceSession.SessionOptions = {}) {
  const session = await ort.InferenceSession.create(modelPath, options)
  try {
    const feeds: Record<string, ort.Tensor> = { input_ids: int64(batch.tokens.ids), attention_mask: int64(batch.tokens.mask!) }
    if (batch.decoder) {
      feeds.decoder_input_ids = int64(batch.decoder.ids)
      feeds.decoder_attention_mask = int64(batch.decoder.mask!)
    }
    const { logits } = await session.run(feeds)
    if (options.enableProfiling) session.endProfiling()
    return { inputs: [...session.inputNames], outputs: [...session.outputNames], dims: [...logits.dims], logits: logits.data as Float32Array }
  } finally {
    await session.release()
  }
}

/** Op types per execution provider, from the kernels an ORT profile recorded. */
function opsByProvider(profilePrefix: string): Map<string, Set<string>> {
  const dir = dirname(profilePrefix)
  const file = readdirSync(dir).find((f) => f.startsWith(basename(profilePrefix)) && f.endsWith('.json'))
  if (!file) throw new Error(`no profile ${profilePrefix}*.json`)
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cat: string; name: string; args?: { op_name?: string; provider?: string } }[]
  const ops = new Map<string, Set<string>>()
  for (const { cat, name, args } of events) {
    if (cat !== 'Node' || !name.endsWith('_kernel_time') || !args?.provider || !args.op_name) continue
    if (!ops.has(args.provider)) ops.set(args.provider, new Set())
    ops.get(args.provider)!.add(args.op_name)
  }
  return ops
}

/** Mixture Studio's own inference: the forward session, through `adapterDir` when given. */
async function inferenceLogits(model: OpenedModel, adapterDir: string | null): Promise<Float32Array> {
  const session = await ForwardSession.create(model, { adapter: adapterDir ? loadInferenceAdapter(adapterDir, model) : null, threads: 1 })
  try {
    return (await session.run(batchFor(model))).logits.data as Float32Array
  } finally {
    await session.dispose()
  }
}

function readModel(dir: string) {
  return decodeModel(readFileSync(join(dir, 'model.onnx')))
}

function externalEntry(t: TensorProtoObject, key: string): string | undefined {
  return t.externalData?.find((e) => e.key === key)?.value
}

interface Case {
  arch: TinyArch
  adapter: AdapterConfigInput
  dtype?: TinyDType
}

// qwen2 has q/k/v biases and a chat template; gpt2 fuses q|k|v in a Conv1D; t5 is encoder-decoder.
const CASES: Case[] = [
  { arch: 'qwen2', adapter: { method: 'mov', experts: 3 } },
  { arch: 'qwen2', adapter: { method: 'molora', experts: 3, rank: 2, alpha: 8, top_k: 2 } },
  { arch: 'qwen2', adapter: { method: 'lora', rank: 3, alpha: 8, sites: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } },
  { arch: 'qwen2', adapter: { method: 'ia3' } },
  { arch: 'gpt2', adapter: { method: 'mov', experts: 2 } },
  { arch: 't5', adapter: { method: 'mov', experts: 2 } },
  // Half-precision checkpoints: the weights stay in their dtype in model.onnx.data, cast in the graph.
  { arch: 'llama', adapter: { method: 'mov', experts: 2 }, dtype: 'float16' },
  { arch: 'qwen2', adapter: { method: 'molora', experts: 2, rank: 2 }, dtype: 'bfloat16' },
]

describe('ONNX export: a plain onnxruntime session gives the logits of inference through the adapter', () => {
  it.each(CASES.map((c) => [`${c.arch} ${c.dtype ?? 'float32'} ${c.adapter.method}`, c] as const))('%s', async (label, { arch, adapter, dtype }) => {
    const dir = join(tmp.dir, label.replaceAll(' ', '-'))
    const model = openModel(writeTinyModel(join(dir, 'base'), arch, dtype ? { dtype } : {}).dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, adapter)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    expect(result).toMatchObject({ format: 'onnx', method: adapter.method, recorded: false })

    const batch = batchFor(model)
    const exported = await plainRun(join(result.path, 'model.onnx'), batch)
    const seq2seq = arch === 't5'
    expect(exported.inputs).toEqual(seq2seq ? ['input_ids', 'attention_mask', 'decoder_input_ids', 'decoder_attention_mask'] : ['input_ids', 'attention_mask'])
    expect(exported.outputs).toEqual(['logits'])
    expect(exported.dims).toEqual([3, seq2seq ? 5 : 8, model.spec.vocabSize])

    const withAdapter = await inferenceLogits(model, folder.dir)
    // The adapter must matter, or equality would prove nothing.
    expect(maxAbsDifference(withAdapter, await inferenceLogits(model, null))).toBeGreaterThan(1e-2)
    expect(maxAbsDifference(exported.logits, withAdapter)).toBeLessThanOrEqual(TOLERANCE)

    const names = result.files.map((f) => f.path.slice(result.path.length + 1))
    // Every model also gets the KV-cache step graph, T5 the encoder it reads too (onnx-step.test.ts runs them).
    const files = ['README.md', 'config.json', 'decoder_step.onnx', 'generation_config.json', 'model.onnx', 'model.onnx.data', 'tokenizer.json', 'tokenizer_config.json']
    expect(names).toEqual((seq2seq ? [...files, 'encoder.onnx'] : files).sort())
    const card = readFileSync(join(result.path, 'README.md'), 'utf8')
    expect(card).toContain('in the **onnx** format')
    expect(card).toContain('| `attention_mask` | int64 |')
    expect(card).toContain(seq2seq ? 'float32 [batch, tgt, vocab]' : 'float32 [batch, seq, vocab]')
    expect(card.includes('decoder_input_ids')).toBe(seq2seq)

    // Every weight, base and adapter, is in model.onnx.data, aligned; model.onnx holds only the graph.
    const proto = readModel(result.path)
    const stored = proto.graph.initializer!.filter((t) => t.dataLocation === 1)
    expect(new Set(stored.map((t) => externalEntry(t, 'location')))).toEqual(new Set(['model.onnx.data']))
    expect(stored.every((t) => Number(externalEntry(t, 'offset')) % 64 === 0)).toBe(true)
    expect(proto.graph.initializer!.every((t) => t.dataLocation === 1 || (t.rawData?.byteLength ?? 0) < INLINE_LIMIT_BYTES)).toBe(true)
    // The adapter's tensors are initializers now (float32), not inputs; small ones stay inline.
    for (const name of folder.tensors.keys()) expect(proto.graph.initializer!.find((t) => t.name === name)).toMatchObject({ dataType: OnnxDataType.float32 })
    const baseWeight = stored.find((t) => model.info.weights.tensors.has(t.name!))!
    expect(baseWeight.dataType).toBe(OnnxDataType[dtype ?? 'float32'])
    const end = Math.max(...stored.map((t) => Number(externalEntry(t, 'offset')) + Number(externalEntry(t, 'length'))))
    expect(statSync(join(result.path, 'model.onnx.data')).size).toBe(end)
  })
})

describe('ONNX export: the folder stands alone', () => {
  it('runs from a copy after the base model, the adapter and the original export are deleted', async () => {
    const dir = join(tmp.dir, 'standalone')
    const model = openModel(writeTinyModel(join(dir, 'base'), 'qwen2', { shards: 2 }).dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, { method: 'molora', experts: 2, rank: 2 })
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    const expected = await inferenceLogits(model, folder.dir)

    const moved = join(tmp.dir, 'elsewhere', 'model-folder')
    mkdirSync(join(tmp.dir, 'elsewhere'))
    cpSync(result.path, moved, { recursive: true })
    rmSync(dir, { recursive: true })
    expect(existsSync(model.info.dir)).toBe(false)

    const again = await plainRun(join(moved, 'model.onnx'), batchFor(model))
    expect(maxAbsDifference(again.logits, expected)).toBeLessThanOrEqual(TOLERANCE)
    expect(JSON.parse(readFileSync(join(moved, 'tokenizer.json'), 'utf8'))).toHaveProperty('model')
    expect(readModel(moved).metadataProps).toEqual(expect.arrayContaining([{ key: 'mixture_studio.adapter_method', value: 'molora' }]))
  })
})

describe.skipIf(webgpuUnavailable !== null)('ONNX export: the same folder on WebGPU', () => {
  // Other kernels, another provider: the card's "any onnxruntime" is a claim to check. ORT puts
  // the shape arithmetic of a dynamic-shape graph (Shape, Concat of dims, Range over positions,
  // the mask's small int ops) on the CPU by choice; every product and normalisation must be on the GPU.
  const SHAPE_OPS = new Set(['Shape', 'Concat', 'Squeeze', 'Unsqueeze', 'Range', 'Reshape', 'Greater', 'Less', 'Cast'])
  const ON_WEBGPU = CASES.filter((c) => c.arch === 't5' || c.dtype === 'float16' || c.adapter.method === 'molora')
  it.each(ON_WEBGPU.map((c) => [`${c.arch} ${c.dtype ?? 'float32'} ${c.adapter.method}`, c] as const))('%s', async (label, { arch, adapter, dtype }) => {
    const dir = join(tmp.dir, `webgpu-${label.replaceAll(' ', '-')}`)
    const model = openModel(writeTinyModel(join(dir, 'base'), arch, dtype ? { dtype } : {}).dir)
    const folder = writeRandomAdapter(join(dir, 'adapter'), model, adapter)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out: join(dir, 'onnx') })
    const profilePrefix = join(dir, 'profile')
    const onGpu = await plainRun(join(result.path, 'model.onnx'), batchFor(model), { executionProviders: ['webgpu'], enableProfiling: true, profileFilePrefix: profilePrefix })
    expect(maxAbsDifference(onGpu.logits, await inferenceLogits(model, folder.dir))).toBeLessThanOrEqual(TOLERANCE)

    const ops = opsByProvider(profilePrefix)
    expect([...(ops.get('WebGpuExecutionProvider') ?? [])]).toEqual(expect.arrayContaining(['MatMul', 'Softmax', 'Gather']))
    // WebGPU has no bfloat16 kernels: a bf16 checkpoint's embedding rows are looked up on the CPU
    // (the table stays bf16 there; the other weights are cast once, when the session folds constants).
    const allowedOnCpu = dtype === 'bfloat16' ? new Set([...SHAPE_OPS, 'Gather']) : SHAPE_OPS
    expect([...(ops.get('CPUExecutionProvider') ?? [])].filter((op) => !allowedOnCpu.has(op))).toEqual([])
    expect([...ops.keys()].sort()).toEqual(['CPUExecutionProvider', 'WebGpuExecutionProvider'])
  })
})

describe('ONNX export: recorded, refused and atomic like the other formats', () => {
  let model: OpenedModel
  beforeAll(() => {
    model = openModel(writeTinyModel(join(tmp.dir, 'shared-base'), 'llama').dir)
  })

  it("exports a run by id and records it in the run's exports", async () => {
    const dataDir = join(tmp.dir, 'data')
    const store = openStore(dataDir)
    try {
      const run = store.runs.create({ name: 'mov run', config: { model: model.info.dir, adapter: { method: 'mov' } }, method: 'mov' })
      writeRandomAdapter(join(runFolder(dataDir, run.id), 'adapter'), model, { method: 'mov', experts: 2 })
      const result = await exportAdapter({ runId: run.id }, { format: 'onnx', out: join(tmp.dir, 'out', 'run-onnx') }, { store, dataDir })
      expect(result).toMatchObject({ format: 'onnx', method: 'mov', runId: run.id, recorded: true })
      expect(store.artifacts.listExports(run.id)).toEqual([expect.objectContaining({ format: 'onnx', path: result.path })])
      expect(readFileSync(join(result.path, 'README.md'), 'utf8')).toContain('| Run | mov run')
    } finally {
      store.close()
    }
  })

  it('needs the base model: a moved one is named with what to do, and nothing is written', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'moved-base-adapter'), model, { method: 'ia3' })
    const moved = { ...folder.config, base_model: { ...folder.config.base_model, path: join(tmp.dir, 'gone') } }
    writeAdapterFolder(folder.dir, moved, [...folder.tensors.values()])
    const out = join(tmp.dir, 'out', 'no-base')
    await expect(exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out })).rejects.toThrow(/onnx export needs the base model.*gone cannot be opened.*--model DIR/)
    expect(existsSync(out)).toBe(false)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out, baseModel: model.info.dir })
    expect(existsSync(join(result.path, 'model.onnx'))).toBe(true)
  })

  it.skipIf(!canLimitFileSize)('a failure half-way through streaming the weights leaves --out byte for byte as it was and no temporary folder behind', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'atomic-source'), model, { method: 'lora', rank: 2 })
    // Another adapter, so that a replacement that went through would change every file.
    const next = writeRandomAdapter(join(tmp.dir, 'atomic-next'), model, { method: 'lora', rank: 2 }, 6)
    const parent = join(tmp.dir, 'out', 'atomic')
    const out = join(parent, 'onnx')
    await exportAdapter({ adapterDir: folder.dir }, { format: 'onnx', out })
    const previous = folderBytes(out)
    // No file may grow past a third of the weights: writing model.onnx.data fails part-way.
    const limit = Math.floor(statSync(join(out, 'model.onnx.data')).size / 3)
    const failed = exportUnderFileSizeLimit(next.dir, 'onnx', out, limit)
    expect(failed.status, failed.message).toBe(1)
    expect(failed.message).toContain(`a file of the onnx export grew larger than ${out} takes`)
    expect(failed.message).toContain(`The export stopped, its partly written files were removed and ${out} was left as it was`)
    expect(readdirSync(parent)).toEqual(['onnx'])
    expect(folderBytes(out)).toEqual(previous)
  })
})

describe('the data file layout', () => {
  it('keeps small inline tensors in the model, aligns others to 64 bytes and large ones to 64 KiB', () => {
    const file = (name: string, length: number): TensorProtoObject => ({
      name,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: '/models/m/model.safetensors' },
        { key: 'offset', value: '8' },
        { key: 'length', value: String(length) },
      ],
    })
    const inline = (name: string, bytes: number): TensorProtoObject => ({ name, rawData: new Uint8Array(bytes) })
    const plan = planDataFile([file('a', 10), inline('tiny', INLINE_LIMIT_BYTES - 1), inline('b', 4096), file('big', 1 << 20), file('c', 3)])
    expect(plan.placed.map((p) => [p.initializers[0].name, p.offset, p.length])).toEqual([
      ['a', 0, 10],
      ['b', 64, 4096],
      ['big', 1 << 16, 1 << 20],
      ['c', (1 << 16) + (1 << 20), 3],
    ])
    expect(plan.size).toBe((1 << 16) + (1 << 20) + 3)
    expect(plan.placed[0].bytes).toEqual({ kind: 'file', path: '/models/m/model.safetensors', offset: 8, length: 10 })
  })

  it('copies ranges in chunks, pads between tensors, and points each initializer at the data file', async () => {
    const dir = join(tmp.dir, 'data-file')
    mkdirSync(dir)
    const source = join(dir, 'weights.bin')
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 251)
    writeFileSync(source, bytes)
    const ranged = (name: string, offset: number, length: number): TensorProtoObject => ({
      name,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: source },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    })
    const adapter = Uint8Array.from({ length: INLINE_LIMIT_BYTES }, (_, i) => i % 13)
    const initializers = [ranged('w1', 5, 100), { name: 'adapter', rawData: adapter }, ranged('w2', 200, 100)]
    const plan = planDataFile(initializers)
    // A 7-byte buffer: every range takes many reads, the last one short.
    const size = await writeDataFile(join(dir, 'out.data'), 'out.data', plan, 7)
    const written = readFileSync(join(dir, 'out.data'))
    expect(size).toBe(written.length)
    const at = (t: TensorProtoObject) => [Number(externalEntry(t, 'offset')), Number(externalEntry(t, 'length'))]
    expect(initializers.map((t) => [externalEntry(t, 'location'), t.dataLocation, t.rawData])).toEqual(initializers.map(() => ['out.data', 1, undefined]))
    const [w1, inline, w2] = initializers.map(at)
    expect([w1, inline, w2]).toEqual([[0, 100], [128, INLINE_LIMIT_BYTES], [128 + INLINE_LIMIT_BYTES, 100]])
    expect(written.subarray(0, 100)).toEqual(Buffer.from(bytes.subarray(5, 105)))
    expect(written.subarray(100, 128)).toEqual(Buffer.alloc(28))
    expect(written.subarray(128, 128 + INLINE_LIMIT_BYTES)).toEqual(Buffer.from(adapter))
    expect(written.subarray(w2[0], w2[0] + 100)).toEqual(Buffer.from(bytes.subarray(200, 300)))

    // A weight file shorter than its header says is named, with the tensor.
    const short = planDataFile([ranged('cut', 250, 100)])
    await expect(writeDataFile(join(dir, 'short.data'), 'short.data', short, 7)).rejects.toThrow(/weights\.bin: tensor "cut" ends at byte 350, but the file ends at 300/)
  })
})

describe('ONNX export of an adapter trained on an int4 base', () => {
  it('builds that base in (MatMulNBits and GatherBlockQuantized on int4 weights), and its logits equal inference on that base', async () => {
    const dir = join(tmp.dir, 'int4')
    const home = join(dir, 'home')
    const before = process.env.MIXTURE_STUDIO_HOME
    process.env.MIXTURE_STUDIO_HOME = home // the quantized copy lives in the data folder, never the user's
    try {
      const float = openModel(writeTinyModel(join(dir, 'base'), 'llama').dir)
      const written = writeRandomAdapter(join(dir, 'adapter'), float, { method: 'mov', experts: 2 })
      const configPath = join(written.dir, 'adapter_config.json')
      const config = JSON.parse(readFileSync(configPath, 'utf8'))
      writeFileSync(configPath, JSON.stringify({ ...config, base_model: { ...config.base_model, quantize: 'int4' } }))

      const result = await exportAdapter({ adapterDir: written.dir }, { format: 'onnx', out: join(dir, 'onnx') })
      const quantized = openBaseFor(float.info.dir, written.dir, home)
      expect(quantized.quantized?.scheme).toBe('int4')
      const expected = await inferenceLogits(quantized, written.dir)
      // Not vacuous: on the float base the same adapter answers otherwise.
      expect(maxAbsDifference(expected, await inferenceLogits(float, written.dir))).toBeGreaterThan(1e-3)
      const exported = await plainRun(join(result.path, 'model.onnx'), batchFor(float))
      expect(maxAbsDifference(exported.logits, expected)).toBeLessThanOrEqual(TOLERANCE)

      const proto = readModel(result.path)
      const ops = new Set(proto.graph.node.map((n) => n.opType))
      expect(ops.has('MatMulNBits') && ops.has('GatherBlockQuantized')).toBe(true)
      expect(proto.graph.initializer!.some((t) => t.name === 'model.layers.0.self_attn.q_proj.weight')).toBe(false) // no float copy of a quantized weight
      expect(proto.metadataProps).toEqual(expect.arrayContaining([{ key: 'mixture_studio.quantize', value: 'int4' }]))
      expect(readFileSync(join(result.path, 'README.md'), 'utf8')).toContain('the frozen base in int4')
    } finally {
      if (before === undefined) delete process.env.MIXTURE_STUDIO_HOME
      else process.env.MIXTURE_STUDIO_HOME = before
    }
  })

  it('refuses an adapter_config.json whose base_model.quantize is not one it knows, naming the file', () => {
    const dir = join(tmp.dir, 'int3')
    const float = openModel(writeTinyModel(join(dir, 'base'), 'llama').dir)
    const written = writeRandomAdapter(join(dir, 'adapter'), float, { method: 'ia3' })
    const configPath = join(written.dir, 'adapter_config.json')
    const config = JSON.parse(readFileSync(configPath, 'utf8'))
    writeFileSync(configPath, JSON.stringify({ ...config, base_model: { ...config.base_model, quantize: 'int3' } }))
    expect(() => openBaseFor(float.info.dir, written.dir, join(dir, 'home'))).toThrow(`${written.dir}: adapter_config.json's base_model.quantize is "int3"; it is int4 or int8`)
  })
})
