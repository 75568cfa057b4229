// The estimate with model.quantize: the frozen weights it counts are those the quantized copy
// holds, in their bits with a float32 scale per block (int4: blocks of 32; int8: of 128, 64 or
// 32), and every other weight as stored; the answer says what they would take unquantized.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, RunEstimate } from '../../../main/contract'
import { openModel } from '../../../main/models'
import { dispatchCall } from '../../../main/services'
import { estimateRun, type EstimateFacts } from '../../../main/services/estimate-formula'
import { findStepTiming, saveStepTiming } from '../../../main/services/step-timings'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { ESTIMATE_FACTS } from './estimate-facts'

const facts: EstimateFacts = ESTIMATE_FACTS

describe('the estimate formula with a quantized base', () => {
  it('counts the quantized values in their bytes and the rest at the precision of the products', () => {
    // 600 000 values in int4: half a byte each plus a 4-byte scale per 32.
    const int4 = estimateRun({ ...facts, quantized: { scheme: 'int4', values: 600_000, bytes: 300_000 + 75_000 } })
    const base = int4.memory.terms.find((t) => t.label === 'base weights')!
    expect(base.bytes).toBe(400_000 * 4 + 375_000)
    expect(base.formula).toBe('400000 parameters × 4 B (float32) + 600000 in int4, float32 scale per block: 375000 B')
    expect(int4.frozenWeights).toEqual({ quantize: 'int4', bytes: 1_975_000, unquantizedBytes: 4_000_000 })
    expect(int4.memory.totalBytes).toBe(estimateRun(facts).memory.totalBytes - 4_000_000 + 1_975_000)
    // On a GPU the weights it keeps are fp16, and the saving is against fp16.
    const gpu = estimateRun({ ...facts, device: { kind: 'gpu' }, precision: 'fp16', quantized: { scheme: 'int8', values: 600_000, bytes: 600_000 + 18_750 } })
    expect(gpu.frozenWeights).toEqual({ quantize: 'int8', bytes: 400_000 * 2 + 618_750, unquantizedBytes: 2_000_000 })
    expect(estimateRun(facts).frozenWeights).toEqual({ quantize: 'none', bytes: 4_000_000, unquantizedBytes: 4_000_000 })
  })
})

const temp = useTempServices('ms-estimate-quantized-')
let modelDir: string
beforeAll(() => {
  // hidden 32, FFN 48, tied embeddings: the down projections' 48 in-features fit no block.
  modelDir = writeTinyModel(join(temp.dir, 'model'), 'qwen2').dir
})

async function estimate(quantize: string): Promise<RunEstimate> {
  const config = { model: { path: modelDir, quantize }, data: { train: join(temp.dir, 'train.jsonl'), max_length: 64 }, adapter: { method: 'ia3' }, device: 'cpu' }
  const result = await dispatchCall(temp.services, 'runsEstimate', { config })
  if (!result.ok) throw new Error(result.error.message)
  return RunEstimate.parse(result.data)
}

describe('runsEstimate with model.quantize', () => {
  it("counts the model's projections, head and token table in int4 or int8 when their in-features fit a block", async () => {
    const { info } = openModel(modelDir)
    // Worked out here from the weight map, apart from the cache's own selection.
    const seen = new Set<string>()
    const candidates = info.weightMap.entries.filter((e) => {
      const projection = (e.layout === 'linear' || e.layout === 'conv1d') && e.role.param === 'weight'
      const tokens = e.layout === 'embedding' && e.role.part === 'embed_tokens'
      if (!(projection || tokens) || seen.has(e.hfName)) return false
      seen.add(e.hfName)
      return true
    })
    const inFeatures = (e: (typeof candidates)[number]) => (e.layout === 'conv1d' ? e.shape[0] : e.shape[1])
    const fitting = candidates.filter((e) => inFeatures(e) % 32 === 0)
    expect(candidates.length - fitting.length).toBe(2) // the two layers' down_proj [32, 48]
    const values = fitting.reduce((n, e) => n + e.shape[0] * e.shape[1], 0)
    const kept = info.parameterCount - values

    const none = await estimate('none')
    expect(none.frozenWeights).toEqual({ quantize: 'none', bytes: info.parameterCount * 4, unquantizedBytes: info.parameterCount * 4 })
    const int4 = await estimate('int4')
    expect(int4.frozenWeights).toEqual({ quantize: 'int4', bytes: kept * 4 + values / 2 + (values / 32) * 4, unquantizedBytes: info.parameterCount * 4 })
    expect(int4.memory.totalBytes).toBe(none.memory.totalBytes - none.frozenWeights.bytes + int4.frozenWeights.bytes)
    expect(int4.notes).toContainEqual(expect.stringMatching(/^model\.quantize int4: 2 weights stay as stored: model\.layers\.0\.mlp\.down_proj\.weight \(its 48 input features/))
    // int8 takes blocks of 128 where they fit, else 64, else 32: 32 here.
    const int8 = await estimate('int8')
    expect(int8.frozenWeights.bytes).toBe(kept * 4 + values + (values / 32) * 4)
  })

  it('refuses a quantize it does not know, naming the field', async () => {
    await expect(estimate('int3')).rejects.toThrow(/model\.quantize/)
  })
})

describe('a measured step time and model.quantize', () => {
  it('is kept apart per quantize setting: a step timed on the 4-bit base is not the full-precision one', () => {
    const config = (model: unknown) => RunConfig.parse({ model, data: { train: '/d/train.jsonl' }, adapter: { method: 'ia3' }, device: 'cpu' })
    const timing = { device: 'cpu, float32', provider: 'cpu', startupSeconds: 2, firstStepSeconds: 0.5, secondsPerStep: 0.1, evalSeconds: null, checkpointSeconds: 0.05, stepsTimed: 5, measuredAt: '2026-12-05T11:00:00.000Z' }
    const dataDir = temp.dataDir
    saveStepTiming(dataDir, config({ path: '/m', quantize: 'int4' }), timing)
    expect(findStepTiming(dataDir, config({ path: '/m', quantize: 'int4' }))).toEqual(timing)
    expect(findStepTiming(dataDir, config('/m'))).toBeNull()
    expect(findStepTiming(dataDir, config({ path: '/m', quantize: 'int8' }))).toBeNull()
    // The folder alone and { path, quantize: none } are one configuration.
    saveStepTiming(dataDir, config('/m'), { ...timing, secondsPerStep: 0.3 })
    expect(findStepTiming(dataDir, config({ path: '/m' }))?.secondsPerStep).toBe(0.3)
  })
})
