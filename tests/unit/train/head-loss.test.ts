// The loss through the head piece by piece (engine/models/head-loss.ts): a step built with it gives
// the loss and every gradient of the step built through the plain logits (within 1e-6 relative),
// in the float64 reference interpreter (1e-6; onnxruntime's float32, summing in another order, 1e-5), with the vocabulary cut into several
// pieces, tied and untied heads, T5's scaled tied head, a quantized head, and the GPU form (fp16
// products, loss scale); an eval step gives the same loss; and no value of the step has the
// [batch, seq, vocab] shape the plain path keeps.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { runReference } from '../../../main/engine/reference'
import { openModel, type OpenedModel } from '../../../main/models'
import { openRunModel } from '../../../main/models/quantized/open-run-model'
import { createGraphSession, hostTensor, type HostTensor } from '../../../main/runtime'
import { makeBatch, staticBatchShape, type BatchLayout } from '../../../main/train/batches'
import { buildStepGraph, STEP_OUTPUTS, type StepGraph, type StepGraphOptions } from '../../../main/train/step-graph'
import { readWeightBytes, toNdArray } from '../../helpers/ort-vs-reference'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { patternExamples } from './support'

let tmp: ReturnType<typeof makeTempDir>
const models = new Map<string, OpenedModel>()
/** llama's head is untied, mistral's and qwen2's tied, T5's untied; t5-tied scales its input. */
const ARCHS = ['llama', 'mistral', 'gpt2', 't5'] as const

beforeAll(() => {
  tmp = makeTempDir('ms-head-loss-')
  for (const arch of ARCHS) models.set(arch, openModel(writeTinyModel(join(tmp.dir, arch), arch as TinyArch).dir))
  models.set('t5-tied', openModel(writeTinyModel(join(tmp.dir, 't5-tied'), 't5', { config: { tie_word_embeddings: true } }).dir))
  const quantizedDir = writeTinyModel(join(tmp.dir, 'llama-q'), 'llama').dir
  models.set('llama-int4', openRunModel({ path: quantizedDir, quantize: 'int4' }, join(tmp.dir, 'data')))
})
afterAll(() => tmp.remove())

const MOV: AdapterConfigInput = { method: 'mov', experts: 3, top_k: 2, load_balancing_coefficient: 0.01 }
const LORA: AdapterConfigInput = { method: 'lora', rank: 2 }
/** Rows of 32-wide heads per piece at 100 elements: 3, so a 40-to-56-token vocabulary is 14 to 19 pieces. */
const SMALL_PIECES = 100
/** float32 sums in another order (the online log-sum-exp): the float64 interpreter checks the math to 1e-6. */
const ORT_TOLERANCE = 1e-5

function pair(model: OpenedModel, adapter: AdapterConfigInput, options: Partial<StepGraphOptions> = {}): { plain: StepGraph; pieces: StepGraph } {
  const config = parseAdapterConfig(adapter)
  const base: StepGraphOptions = { kind: 'train', maxPositions: 32, ...options }
  return {
    plain: buildStepGraph(model, config, { ...base, lossThroughHead: false }),
    pieces: buildStepGraph(model, config, { ...base, weightPieceElements: SMALL_PIECES }),
  }
}

/** Three examples of different lengths (padding and untrained prompts), parameters moved off their init. */
function feedsFor(model: OpenedModel, step: StepGraph, layout?: BatchLayout): Record<string, HostTensor> {
  const examples = patternExamples(model.spec.vocabSize, 3, 10).map((e, i) => ({ ...e, inputIds: e.inputIds.subarray(0, 10 - 2 * i), trained: e.trained.subarray(0, 10 - 2 * i) }))
  const values = step.initialValues(5)
  const parameters = step.parameters.map((p) => {
    const v = values.get(p.name)!
    for (let i = 0; i < v.length; i++) v[i] += 0.1 * Math.sin(1 + 3 * i + v.length)
    return [p.name, hostTensor('float32', p.shape, v)] as const
  })
  return { ...makeBatch(examples, layout ?? { seq2seq: model.spec.family === 't5', decoderStartTokenId: 0, padTokenId: 0 }).feeds, ...Object.fromEntries(parameters) }
}

/** max over the loss and every gradient output of ‖a − b‖ / ‖a‖; a zero output would make the check empty. */
function worstRelativeDifference(a: Record<string, ArrayLike<number>>, b: Record<string, ArrayLike<number>>, step: StepGraph): number {
  let worst = 0
  const names = step.kind === 'train' ? [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))] : [STEP_OUTPUTS.loss]
  for (const name of names) {
    const x = a[name]
    const y = b[name]
    expect(y.length).toBe(x.length)
    let num = 0
    let den = 0
    for (let i = 0; i < x.length; i++) {
      num += (x[i] - y[i]) ** 2
      den += x[i] ** 2
    }
    expect(den).toBeGreaterThan(0)
    worst = Math.max(worst, Math.sqrt(num / den))
  }
  return worst
}

async function runOrt(step: StepGraph, feeds: Record<string, HostTensor>, emitTarget?: 'gpu'): Promise<Record<string, Float32Array>> {
  const session = await createGraphSession(step.graph, { device: 'cpu', threads: 1, ...(emitTarget ? { emitTarget } : {}) })
  try {
    const out = await session.run(feeds)
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]))
  } finally {
    await session.dispose()
  }
}

describe('the loss through the head in pieces gives the plain path loss and gradients (float64 reference interpreter)', () => {
  for (const arch of [...ARCHS, 't5-tied']) {
    for (const adapter of [MOV, LORA]) {
      it(`${arch}, ${adapter.method}`, () => {
        const model = models.get(arch)!
        const { plain, pieces } = pair(model, adapter)
        const feeds = Object.fromEntries(Object.entries(feedsFor(model, plain)).map(([k, v]) => [k, toNdArray(v)]))
        const run = (step: StepGraph) => Object.fromEntries(Object.entries(runReference(step.graph, feeds, { readWeightBytes })).map(([k, v]) => [k, v.data]))
        expect(worstRelativeDifference(run(plain), run(pieces), plain)).toBeLessThan(1e-6)
      })
    }
  }
})

describe('the loss through the head in pieces, in onnxruntime', () => {
  const methods: AdapterConfigInput[] = [MOV, { method: 'molora', experts: 2, rank: 2 }, { method: 'ia3' }, { method: 'lora', rank: 4 }]
  for (const adapter of methods) {
    it(`tiny llama, ${adapter.method}: the loss and every gradient equal the plain step's`, async () => {
      const model = models.get('llama')!
      const { plain, pieces } = pair(model, adapter)
      const feeds = feedsFor(model, plain)
      expect(worstRelativeDifference(await runOrt(plain, feeds), await runOrt(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
    })
  }

  it('a tied head (mistral) with gradient checkpointing', async () => {
    const model = models.get('mistral')!
    const { plain, pieces } = pair(model, MOV, { gradientCheckpointing: true })
    const feeds = feedsFor(model, plain)
    expect(worstRelativeDifference(await runOrt(plain, feeds), await runOrt(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('an int4 head: its stored pieces, dequantized one at a time for the gradient', async () => {
    const model = models.get('llama-int4')!
    expect(model.quantized?.scheme).toBe('int4')
    const { plain, pieces } = pair(model, LORA)
    const feeds = feedsFor(model, plain)
    expect(worstRelativeDifference(await runOrt(plain, feeds), await runOrt(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('an eval step gives the same loss', async () => {
    const model = models.get('gpt2')!
    const { plain, pieces } = pair(model, MOV, { kind: 'eval' })
    const feeds = feedsFor(model, plain)
    expect(worstRelativeDifference(await runOrt(plain, feeds), await runOrt(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('the GPU form (static shape, fp16 products, loss scale), run on the CPU: within fp16 rounding', async () => {
    const model = models.get('llama')!
    const layout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
    const shape = staticBatchShape(patternExamples(model.spec.vocabSize, 3, 10), 3, layout)
    const { plain, pieces } = pair(model, MOV, { target: { provider: 'webgpu', precision: 'fp16', shape } })
    expect(plain.lossScaled && pieces.lossScaled).toBe(true)
    const feeds = { ...feedsFor(model, plain, { ...layout, shape }), [STEP_OUTPUTS.lossScale]: hostTensor('float32', [], Float32Array.of(1024)) }
    expect(worstRelativeDifference(await runOrt(plain, feeds, 'gpu'), await runOrt(pieces, feeds, 'gpu'), plain)).toBeLessThan(2e-3)
  })
})

describe('what the step holds', () => {
  it('no value of the pieces step is [batch, seq, vocab]; the plain step has them', () => {
    const model = models.get('llama')!
    const vocab = model.spec.vocabSize
    const { plain, pieces } = pair(model, MOV)
    const vocabWide = (step: StepGraph) => step.graph.nodes.flatMap((n) => n.outputs).filter((v) => v.rank === 3 && v.shape[2] === vocab).length
    expect(vocabWide(plain)).toBeGreaterThan(0)
    expect(vocabWide(pieces)).toBe(0)
  })
})
