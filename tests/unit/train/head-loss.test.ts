// The loss through the head piece by piece (engine/models/head-loss.ts): a step built with it gives
// the loss and every gradient of the step built through the plain logits (within 1e-6 relative),
// in the float64 reference interpreter (1e-6; onnxruntime's float32, summing in another order, 1e-5), with the vocabulary cut into several
// pieces, tied and untied heads, T5's scaled tied head, a quantized head, and the GPU form (fp16
// products, loss scale); an eval step gives the same loss; and no value of the step has the
// [batch, seq, vocab] shape the plain path keeps.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { buildDecoderOnly, buildT5 } from '../../../main/engine/models'
import { openModel, type OpenedModel } from '../../../main/models'
import { openRunModel } from '../../../main/models/quantized/open-run-model'
import { hostTensor } from '../../../main/runtime'
import { staticBatchShape, type BatchLayout } from '../../../main/train/batches'
import { buildStepGraph, STEP_OUTPUTS, type StepGraph, type StepGraphOptions } from '../../../main/train/step-graph'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { offInitFeeds, relativeDifference, runOrtOutputs, runReferenceOutputs, worstRelativeDifference } from './step-comparison'
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

describe('the loss through the head in pieces gives the plain path loss and gradients (float64 reference interpreter)', () => {
  for (const arch of [...ARCHS, 't5-tied']) {
    for (const adapter of [MOV, LORA]) {
      it(`${arch}, ${adapter.method}`, () => {
        const model = models.get(arch)!
        const { plain, pieces } = pair(model, adapter)
        const feeds = offInitFeeds(model, plain)
        expect(worstRelativeDifference(runReferenceOutputs(plain, feeds), runReferenceOutputs(pieces, feeds), plain)).toBeLessThan(1e-6)
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
      const feeds = offInitFeeds(model, plain)
      expect(worstRelativeDifference(await runOrtOutputs(plain, feeds), await runOrtOutputs(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
    })
  }

  it('a tied head (mistral) with gradient checkpointing', async () => {
    const model = models.get('mistral')!
    const { plain, pieces } = pair(model, MOV, { gradientCheckpointing: true })
    const feeds = offInitFeeds(model, plain)
    expect(worstRelativeDifference(await runOrtOutputs(plain, feeds), await runOrtOutputs(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('an int4 head: its stored pieces, dequantized one at a time for the gradient', async () => {
    const model = models.get('llama-int4')!
    expect(model.quantized?.scheme).toBe('int4')
    const { plain, pieces } = pair(model, LORA)
    const feeds = offInitFeeds(model, plain)
    expect(worstRelativeDifference(await runOrtOutputs(plain, feeds), await runOrtOutputs(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('an eval step gives the same loss', async () => {
    const model = models.get('gpt2')!
    const { plain, pieces } = pair(model, MOV, { kind: 'eval' })
    const feeds = offInitFeeds(model, plain)
    expect(worstRelativeDifference(await runOrtOutputs(plain, feeds), await runOrtOutputs(pieces, feeds), plain)).toBeLessThan(ORT_TOLERANCE)
  })

  it('the GPU form (static shape, fp16 products, loss scale), run on the CPU: within fp16 rounding', async () => {
    const model = models.get('llama')!
    const layout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
    const shape = staticBatchShape(patternExamples(model.spec.vocabSize, 3, 10), 3, layout)
    const { plain, pieces } = pair(model, MOV, { target: { provider: 'webgpu', precision: 'fp16', shape } })
    expect(plain.lossScaled && pieces.lossScaled).toBe(true)
    const feeds = { ...offInitFeeds(model, plain, { ...layout, shape }), [STEP_OUTPUTS.lossScale]: hostTensor('float32', [], Float32Array.of(1024)) }
    expect(worstRelativeDifference(await runOrtOutputs(plain, feeds, 'gpu'), await runOrtOutputs(pieces, feeds, 'gpu'), plain)).toBeLessThan(2e-3)
  })
})

describe('an eval scorer (token NLLs, no logits output) in pieces', () => {
  for (const arch of ['llama', 'mistral', 't5'] as const) {
    it(`${arch}: the same token NLLs and loss as through the logits, in the float64 interpreter and in onnxruntime`, async () => {
      const model = models.get(arch)!
      const build = (pieces: boolean) => {
        const options = { mode: 'forward' as const, labels: true, outputs: ['token_nll', 'loss'] as const, maxPositions: 32, ...(pieces ? { lossThroughHead: { gradient: false }, weightPieceElements: SMALL_PIECES } : {}) }
        return model.spec.family === 't5' ? buildT5(model.spec, model.checkpoint, options).graph : buildDecoderOnly(model.spec, model.checkpoint, options).graph
      }
      const [plain, pieces] = [build(false), build(true)]
      expect(pieces.nodes.some((n) => n.op === 'LogSoftmax')).toBe(false)
      const step = pair(model, MOV).plain
      const all = offInitFeeds(model, step)
      const feeds = Object.fromEntries(plain.inputs.map((v) => [v.name!, all[v.name!]]))
      const asStep = (graph: typeof plain) => ({ ...step, kind: 'eval' as const, graph })
      for (const name of ['token_nll', 'loss']) {
        const ref = (graph: typeof plain) => runReferenceOutputs(asStep(graph), feeds)[name]
        const ort = async (graph: typeof plain) => (await runOrtOutputs(asStep(graph), feeds))[name]
        expect(relativeDifference(ref(plain), ref(pieces)), name).toBeLessThan(1e-6)
        expect(relativeDifference(await ort(plain), await ort(pieces)), name).toBeLessThan(ORT_TOLERANCE)
      }
    })
  }
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
