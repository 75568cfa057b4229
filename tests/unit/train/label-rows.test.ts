// The head at the labelled tokens only (engine/models/label-rows.ts): a step graph that runs the LM
// head over the rows label_positions names gives the loss and every gradient of the step that runs
// it over every token (within 1e-6 relative), in the float64 reference interpreter and in
// onnxruntime, for a decoder-only model, Gemma 3 and T5, train and eval; a batch with no labelled
// token costs nothing and breaks nothing; and a run trains on it.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { LABEL_POSITIONS, labelledTokensBound, labelPositionsOf, packedLabelledTokensBound } from '../../../main/engine/models/label-rows'
import { openModel, type OpenedModel } from '../../../main/models'
import { labelPositionsFeed } from '../../../main/models/inference/tensors'
import { conformIntegerFeed, hostTensor, type HostTensor, type StaticBatchShape } from '../../../main/runtime'
import { buildStepGraph, STEP_OUTPUTS, type StepGraph } from '../../../main/train/step-graph'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { offInitFeeds, runOrtOutputs, runReferenceOutputs, worstRelativeDifference } from './step-comparison'

let tmp: ReturnType<typeof makeTempDir>
const models = new Map<TinyArch, OpenedModel>()
const ARCHS = ['qwen2', 'gemma3_text', 't5'] as const

beforeAll(() => {
  tmp = makeTempDir('ms-label-rows-')
  for (const arch of ARCHS) models.set(arch, openModel(writeTinyModel(join(tmp.dir, arch), arch).dir))
})
afterAll(() => tmp.remove())

const MOV: AdapterConfigInput = { method: 'mov', experts: 3, top_k: 2, load_balancing_coefficient: 0.01 }
const LORA: AdapterConfigInput = { method: 'lora', rank: 2 }

function steps(model: OpenedModel, adapter: AdapterConfigInput, kind: 'train' | 'eval'): { every: StepGraph; labelled: StepGraph } {
  const config = parseAdapterConfig(adapter)
  const every = buildStepGraph(model, config, { kind, maxPositions: 32 })
  const labelled = buildStepGraph(model, config, { kind, maxPositions: 32, labelRows: true })
  expect(every.labelRows).toBe(false)
  expect(labelled.labelRows).toBe(true)
  expect(labelled.graph.inputs.map((v) => v.name)).toContain(LABEL_POSITIONS)
  return { every, labelled }
}

function withPositions(feeds: Record<string, HostTensor>): Record<string, HostTensor> {
  return { ...feeds, ...labelPositionsFeed(feeds.label_mask) }
}

describe('the head at the labelled tokens gives the step of the head at every token', () => {
  for (const arch of ARCHS) {
    for (const adapter of [MOV, LORA]) {
      it(`${arch}, ${adapter.method}, train: float64 reference and onnxruntime`, async () => {
        const model = models.get(arch)!
        const { every, labelled } = steps(model, adapter, 'train')
        const feeds = offInitFeeds(model, every)
        // Two rows are padded, and a decoder-only model's prompt tokens are unlabelled: fewer positions than tokens.
        const positions = labelPositionsOf(feeds.label_mask.data as BigInt64Array)
        expect(positions.length).toBeGreaterThan(0)
        expect(positions.length).toBeLessThan(feeds.label_mask.data.length / (arch === 't5' ? 1 : 2))
        expect(worstRelativeDifference(runReferenceOutputs(every, feeds), runReferenceOutputs(labelled, withPositions(feeds)), every)).toBeLessThan(1e-10)
        expect(worstRelativeDifference(await runOrtOutputs(every, feeds), await runOrtOutputs(labelled, withPositions(feeds)), every)).toBeLessThan(1e-6)
      })
    }
    it(`${arch}, eval: the same loss`, async () => {
      const model = models.get(arch)!
      const { every, labelled } = steps(model, MOV, 'eval')
      const feeds = offInitFeeds(model, every)
      expect(worstRelativeDifference(await runOrtOutputs(every, feeds), await runOrtOutputs(labelled, withPositions(feeds)), every)).toBeLessThan(1e-6)
    })
  }

  it('a batch without a labelled token: loss 0 and zero gradients, from the one position it is given', async () => {
    const model = models.get('qwen2')!
    const { labelled } = steps(model, LORA, 'train')
    const feeds = offInitFeeds(model, labelled)
    const none = { ...feeds, label_mask: hostTensor('int64', feeds.label_mask.shape, new BigInt64Array(feeds.label_mask.data.length)) }
    expect(Array.from(labelPositionsOf(none.label_mask.data as BigInt64Array))).toEqual([0n])
    const out = await runOrtOutputs(labelled, withPositions(none))
    expect(out[STEP_OUTPUTS.loss][0]).toBe(0)
    for (const p of labelled.parameters) expect(out[STEP_OUTPUTS.gradient(p.name)].every((g) => g === 0)).toBe(true)
  })

  it('a static (GPU) shape keeps the head at every token unless it bounds the labelled tokens', () => {
    const model = models.get('qwen2')!
    const build = (shape: StaticBatchShape) => buildStepGraph(model, parseAdapterConfig(LORA), { kind: 'train', maxPositions: 32, labelRows: true, target: { provider: 'webgpu', precision: 'fp16', shape } })
    const every = build({ batch: 2, seq: 16 })
    expect(every.labelRows).toBe(false)
    expect(every.graph.inputs.map((v) => v.name)).not.toContain(LABEL_POSITIONS)
    const bounded = build({ batch: 2, seq: 16, labeled: 12 })
    expect(bounded.labelRows).toBe(true)
    expect(bounded.graph.inputs.find((v) => v.name === LABEL_POSITIONS)!.shape).toEqual([12])
    // DirectML's scatter has no reduction: its step keeps the head at every token, bound or not.
    const dml = buildStepGraph(model, parseAdapterConfig(LORA), { kind: 'train', maxPositions: 32, labelRows: true, target: { provider: 'dml', precision: 'fp16', shape: { batch: 2, seq: 16, labeled: 12 } } })
    expect(dml.labelRows).toBe(false)
  })

  for (const adapter of [MOV, LORA]) {
    it(`a static shape bounding the labelled tokens, ${adapter.method}: the step of the head at every token, the positions padded with an unlabelled one`, async () => {
      const model = models.get('qwen2')!
      const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
      const config = parseAdapterConfig(adapter)
      // float32 products, so that only the head's rows differ; one more row than examples (all padding).
      const target = (shape: StaticBatchShape) => ({ provider: 'webgpu' as const, precision: 'fp32' as const, shape })
      const every = buildStepGraph(model, config, { kind: 'train', maxPositions: 32, labelRows: true, target: target({ batch: 4, seq: 10 }) })
      const feeds = offInitFeeds(model, every, { ...layout, shape: { batch: 4, seq: 10 } })
      const count = labelPositionsOf(feeds.label_mask.data as BigInt64Array).length
      const shape = { batch: 4, seq: 10, labeled: count + 5 }
      const labelled = buildStepGraph(model, config, { kind: 'train', maxPositions: 32, labelRows: true, target: target(shape) })
      expect(labelled.labelRows).toBe(true)
      const withStaticPositions = { ...feeds, ...labelPositionsFeed(feeds.label_mask, shape.labeled) }
      expect(withStaticPositions[LABEL_POSITIONS].shape).toEqual([count + 5])
      // The interpreter takes feeds in the dtypes the GPU form declares (masks float32, labels int32), as onnxruntime's session converts them.
      const conformed = (step: StepGraph, f: Record<string, HostTensor>) => Object.fromEntries(step.graph.inputs.map((v) => [v.name!, conformIntegerFeed(v.name!, f[v.name!], v.dtype)]))
      expect(worstRelativeDifference(runReferenceOutputs(every, conformed(every, feeds)), runReferenceOutputs(labelled, conformed(labelled, withStaticPositions)), every)).toBeLessThan(1e-10)
      expect(worstRelativeDifference(await runOrtOutputs(every, feeds, 'gpu'), await runOrtOutputs(labelled, withStaticPositions, 'gpu'), every)).toBeLessThan(1e-6)
    })
  }
})

it('labelPositionsOf: the flat indices of the non-zero entries; to a static length, padded with the first unlabelled one', () => {
  expect(Array.from(labelPositionsOf([0, 1, 1, 0, 0, 1]))).toEqual([1n, 2n, 5n])
  expect(Array.from(labelPositionsOf(BigInt64Array.from([0n, 0n, 1n])))).toEqual([2n])
  expect(Array.from(labelPositionsOf([1, 1, 0, 0, 1], 5))).toEqual([0n, 1n, 4n, 2n, 2n])
  expect(Array.from(labelPositionsOf([0, 0, 0], 2))).toEqual([0n, 0n])
  expect(Array.from(labelPositionsOf([1, 1, 1], 3))).toEqual([0n, 1n, 2n])
  // More labelled tokens than the graph was built for: a bound that did not hold, said so.
  expect(() => labelPositionsOf([1, 1, 1, 0], 2)).toThrow(/3 labelled tokens of 4, and the step graph was built for 2/)
  // No unlabelled position to pad with.
  expect(() => labelPositionsOf([1, 1], 3)).toThrow(/built for 3/)
})

it('the bounds on a batch\'s labelled tokens hold for every batch the examples can make', () => {
  expect(labelledTokensBound([3, 9, 1, 4], 2)).toBe(13)
  expect(labelledTokensBound([3], 4)).toBe(3)
  // Packed: every way of putting whole examples into 16 tokens holds no more than the bound.
  const examples = [{ length: 6, labelled: 5 }, { length: 5, labelled: 1 }, { length: 7, labelled: 4 }, { length: 3, labelled: 2 }, { length: 9, labelled: 8 }]
  const bound = packedLabelledTokensBound(examples, 16)
  let best = 0
  for (let subset = 0; subset < 1 << examples.length; subset++) {
    const chosen = examples.filter((_, i) => subset & (1 << i))
    if (chosen.reduce((n, e) => n + e.length, 0) <= 16) best = Math.max(best, chosen.reduce((n, e) => n + e.labelled, 0))
  }
  expect(best).toBe(13)
  expect(bound).toBeGreaterThanOrEqual(best)
  // By labelled share: 9 tokens (8), 6 (5), then 1 token of the 3-token one's 2: floor(2 · 1 / 3) = 0.
  expect(bound).toBe(13)
  // 17 tokens leave 2 of its 3: floor(2 · 2 / 3) = 1 more.
  expect(packedLabelledTokensBound(examples, 17)).toBe(14)
})

