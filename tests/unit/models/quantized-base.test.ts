// model.quantize: the quantized copy of a model's frozen weights (main/models/quantized), and the
// engine's int4/int8 path through it, checked against "dequantize, then compute in float64": the
// independent reference models run on a folder whose weights are the dequantized values.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, truncateSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { blockwiseLayout, dequantizedAt, quantizeRows } from '../../../main/engine/quant/blockwise'
import { runReference } from '../../../main/engine/reference'
import { openModel } from '../../../main/models'
import { ForwardSession, type ForwardBatch } from '../../../main/models/inference/forward'
import type { OpenedModel } from '../../../main/models/inference/open-model'
import { openRunModel } from '../../../main/models/quantized/open-run-model'
import { quantizationPlan } from '../../../main/models/quantized/selection'
import { createGraphSession, hostTensor, type HostTensor } from '../../../main/runtime'
import { makeBatch, type BatchLayout } from '../../../main/train/batches'
import { buildStepGraph, STEP_OUTPUTS } from '../../../main/train/step-graph'
import { readWeightBytes, toNdArray } from '../../helpers/ort-vs-reference'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch, type TinyTensor } from '../../helpers/tiny-models'
import { maxAbsDifference, referenceLogits, referenceSeq2SeqLogits } from '../../reference'
import { patternExamples } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => {
  tmp = makeTempDir('ms-quantized-')
})
afterAll(() => tmp.remove())

let counter = 0
const fresh = (name: string) => join(tmp.dir, `${name}-${counter++}`)

/** The tiny model's tensors with every tensor the scheme quantizes replaced by its dequantized values. */
function dequantizedTensors(arch: TinyArch, bits: 4 | 8): (tensors: TinyTensor[]) => TinyTensor[] {
  return (tensors) => {
    const probe = openModel(writeTinyModel(fresh(`probe-${arch}`), arch).dir)
    const plan = new Map(quantizationPlan(probe.info.weightMap.entries, bits === 4 ? 'int4' : 'int8').tensors.map((t) => [t.hfName, t]))
    return tensors.map((t) => {
      const p = plan.get(t.name)
      if (!p) return t
      const layout = blockwiseLayout(p.bits, p.blockSize, p.rows, p.cols)
      const w = p.transposed ? transpose(t.values, p.cols, p.rows) : t.values
      const q = new Uint8Array(p.rows * layout.rowBytes)
      const scales = new Float32Array(p.rows * layout.blocks)
      quantizeRows(layout, w, p.rows, q, scales)
      const back = new Float32Array(p.rows * p.cols)
      for (let n = 0; n < p.rows; n++) for (let k = 0; k < p.cols; k++) back[n * p.cols + k] = dequantizedAt(layout, q, scales, n, k)
      return { ...t, values: p.transposed ? transpose(back, p.rows, p.cols) : back }
    })
  }
}

function transpose(w: Float32Array, a: number, b: number): Float32Array {
  const out = new Float32Array(w.length)
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = w[i * b + j]
  return out
}

function folderHash(dir: string): string {
  const hash = createHash('sha256')
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)))
  return hash.digest('hex')
}

const DECODER_BATCH = {
  ids: [
    [0, 0, 5, 9, 14, 3, 22, 7],
    [5, 9, 14, 3, 22, 30, 11, 2],
  ],
  mask: [
    [0, 0, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1],
  ],
}

async function engineLogits(model: OpenedModel, batch: ForwardBatch): Promise<Float32Array> {
  const session = await ForwardSession.create(model, { threads: 1 })
  try {
    return (await session.run(batch)).logits.data as Float32Array
  } finally {
    await session.dispose()
  }
}

describe('the quantized copy of a model', () => {
  it('quantizes the projections, the head and the embedding once, beside the store, and never touches the model folder', () => {
    const model = writeTinyModel(fresh('llama'), 'llama')
    const before = folderHash(model.dir)
    const dataDir = fresh('data')
    const messages: string[] = []
    const first = openRunModel({ path: model.dir, quantize: 'int4' }, dataDir, (m) => messages.push(m))
    expect(first.quantized?.dir.startsWith(join(dataDir, 'quantized'))).toBe(true)
    expect(messages.some((m) => m.includes('quantizing'))).toBe(true)
    const names = Object.keys(JSON.parse(readFileSync(join(first.quantized!.dir, 'manifest.json'), 'utf8')).tensors)
    expect(names).toContain('model.embed_tokens.weight')
    expect(names).toContain('lm_head.weight')
    expect(names).toContain('model.layers.1.self_attn.q_proj.weight')
    expect(names.some((n) => n.includes('norm'))).toBe(false)
    // The tiny FFN is 48 wide: down_proj's 48 input features fit no block of 32, so it stays float32, said why.
    expect(first.quantized!.kept).toContainEqual({ hfName: 'model.layers.0.mlp.down_proj.weight', why: 'its 48 input features are not a multiple of 32' })
    expect(folderHash(model.dir)).toBe(before)

    const again: string[] = []
    const second = openRunModel({ path: model.dir, quantize: 'int4' }, dataDir, (m) => again.push(m))
    expect(second.quantized!.dir).toBe(first.quantized!.dir)
    expect(again).toEqual([]) // reused, not made again

    const int8 = openRunModel({ path: model.dir, quantize: 'int8' }, dataDir)
    expect(int8.quantized!.dir).not.toBe(first.quantized!.dir)
    expect(openRunModel({ path: model.dir, quantize: 'none' }, dataDir).quantized).toBeUndefined()
  })

  it('makes a damaged copy again, and a new one when the model files change', () => {
    const model = writeTinyModel(fresh('llama'), 'llama')
    const dataDir = fresh('data')
    const first = openRunModel({ path: model.dir, quantize: 'int4' }, dataDir)
    truncateSync(join(first.quantized!.dir, 'weights.bin'), 10)
    const messages: string[] = []
    const remade = openRunModel({ path: model.dir, quantize: 'int4' }, dataDir, (m) => messages.push(m))
    expect(messages[0]).toMatch(/damaged \(weights\.bin holds 10 bytes, the manifest needs \d+\): making it again/)
    expect(remade.quantized!.dir).toBe(first.quantized!.dir)

    const later = new Date(Date.now() + 60_000)
    utimesSync(join(model.dir, 'model.safetensors'), later, later)
    expect(openRunModel({ path: model.dir, quantize: 'int4' }, dataDir).quantized!.dir).not.toBe(first.quantized!.dir)
  })
})

describe('logits with a quantized base equal the float64 reference on the dequantized weights', () => {
  for (const bits of [4, 8] as const) {
    for (const arch of ['llama', 'qwen2', 'gpt2'] as const) {
      it(`${arch}, int${bits}`, async () => {
        const model = writeTinyModel(fresh(arch), arch)
        const dequantized = writeTinyModel(fresh(`${arch}-dq`), arch, { editTensors: dequantizedTensors(arch, bits) })
        const quantized = openRunModel({ path: model.dir, quantize: bits === 4 ? 'int4' : 'int8' }, fresh('data'))
        const actual = await engineLogits(quantized, { tokens: DECODER_BATCH })
        expect(maxAbsDifference(actual, referenceLogits(dequantized.dir, DECODER_BATCH))).toBeLessThan(1e-4)
        // Not vacuous: the quantized model is not the float one.
        expect(maxAbsDifference(actual, referenceLogits(model.dir, DECODER_BATCH))).toBeGreaterThan(bits === 4 ? 1e-3 : 1e-5)
      })
    }
  }
  it('t5, int4', async () => {
    const model = writeTinyModel(fresh('t5'), 't5')
    const dequantized = writeTinyModel(fresh('t5-dq'), 't5', { editTensors: dequantizedTensors('t5', 4) })
    const quantized = openRunModel({ path: model.dir, quantize: 'int4' }, fresh('data'))
    const encoder = { ids: [[5, 9, 14, 3, 1]], mask: [[1, 1, 1, 1, 1]] }
    const decoder = { ids: [[0, 7, 12]], mask: [[1, 1, 1]] }
    const actual = await engineLogits(quantized, { tokens: encoder, decoder })
    expect(maxAbsDifference(actual, referenceSeq2SeqLogits(dequantized.dir, { encoder, decoder }))).toBeLessThan(1e-4)
  })
})

describe('a train step with an int4 base', () => {
  const methods: AdapterConfigInput[] = [{ method: 'mov', experts: 3, top_k: 2 }, { method: 'lora', rank: 2 }]
  for (const adapter of methods) {
    it(`llama, ${adapter.method}: loss and gradients equal the float64 step on the dequantized weights`, async () => {
      const model = writeTinyModel(fresh('llama'), 'llama')
      const dequantized = openModel(writeTinyModel(fresh('llama-dq'), 'llama', { editTensors: dequantizedTensors('llama', 4) }).dir)
      const quantized = openRunModel({ path: model.dir, quantize: 'int4' }, fresh('data'))
      const config = parseAdapterConfig(adapter)
      const step = buildStepGraph(quantized, config, { kind: 'train', maxPositions: 32 })
      const reference = buildStepGraph(dequantized, config, { kind: 'train', maxPositions: 32 })
      const layout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
      const values = step.initialValues(3)
      const parameters = step.parameters.map((p) => {
        const v = values.get(p.name)!
        for (let i = 0; i < v.length; i++) v[i] += 0.1 * Math.sin(1 + 3 * i)
        return [p.name, hostTensor('float32', p.shape, v)] as const
      })
      const feeds: Record<string, HostTensor> = { ...makeBatch(patternExamples(quantized.spec.vocabSize, 3, 10), layout).feeds, ...Object.fromEntries(parameters) }
      const session = await createGraphSession(step.graph, { device: 'cpu', threads: 1 })
      let actual: Record<string, Float32Array>
      try {
        actual = Object.fromEntries(Object.entries(await session.run(feeds)).map(([k, v]) => [k, v.data as Float32Array]))
      } finally {
        await session.dispose()
      }
      const expected = runReference(reference.graph, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toNdArray(v)])), { readWeightBytes })
      for (const name of [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]) {
        const x = expected[name].data
        const y = actual[name]
        let num = 0
        let den = 0
        for (let i = 0; i < x.length; i++) {
          num += (x[i] - y[i]) ** 2
          den += x[i] ** 2
        }
        expect(den, name).toBeGreaterThan(0)
        expect(Math.sqrt(num / den), name).toBeLessThan(1e-4)
      }
    })
  }
})
