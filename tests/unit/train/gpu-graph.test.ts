// The GPU form of the train step, checked on the CPU: static shapes (no run-time shape
// arithmetic), masks fed as float32 and labels as int32, LogSoftmax written as a composition,
// batches padded to one shape. Run by ORT's CPU provider it must give the symbolic CPU graph's
// loss and gradients, for every architecture and method. Which precision and provider a run
// gets, the padding of batches, and the conversion of feeds are checked here as well.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseAdapterConfig } from '../../../main/engine/adapters'
import { emitModel } from '../../../main/engine/onnx'
import { openModel, type OpenedModel } from '../../../main/models'
import type { RunConfig } from '../../../main/contract'
import { conformIntegerFeed, describeTarget, hostTensor, planProviders, resolvePrecision, type RequestedPrecision } from '../../../main/runtime'
import { describeProviders, linuxGpuDevicePresent, SOFTWARE_WEBGPU_REASON, type ProviderFacts } from '../../../main/runtime/execution-providers'
import { makeBatch, nextTokenCount, nextTokenTargets, staticBatchShape } from '../../../main/train/batches'
import { buildStepGraph, buildTrainStep } from '../../../main/train/step-graph'
import { makeTempDir } from '../../helpers/temp-dir'
import { TINY_ARCHS, writeTinyModel } from '../../helpers/tiny-models'
import { mkdirSync, writeFileSync } from 'node:fs'
import { compareStaticStep, shortAndLong, unevenExamples } from './static-step-support'

let tmp: ReturnType<typeof makeTempDir>
const models = new Map<string, OpenedModel>()

beforeAll(() => {
  tmp = makeTempDir('ms-gpu-graph-')
  for (const arch of TINY_ARCHS) models.set(arch, openModel(writeTinyModel(join(tmp.dir, arch), arch).dir))
})
afterAll(() => tmp.remove())

describe('the static GPU form of the train step equals the symbolic CPU graph (run on the CPU, float32)', () => {
  for (const arch of TINY_ARCHS) {
    it(`${arch}, MoV`, async () => {
      const r = await compareStaticStep(models.get(arch)!, { method: 'mov', experts: 3 }, { device: 'cpu', precision: 'fp32' })
      expect(r.staticLoss).toBeCloseTo(r.cpuLoss, 5)
      expect(r.worstGradientError).toBeLessThan(1e-4)
    })
  }
  for (const adapter of [{ method: 'ia3' }, { method: 'lora', rank: 2 }, { method: 'molora', experts: 2, rank: 2, top_k: 1 }] as const) {
    it(`qwen3, ${adapter.method}`, async () => {
      const r = await compareStaticStep(models.get('qwen3')!, adapter, { device: 'cpu', precision: 'fp32' })
      expect(r.staticLoss).toBeCloseTo(r.cpuLoss, 5)
      expect(r.worstGradientError).toBeLessThan(1e-4)
    })
  }

  for (const [arch, adapter] of [['llama', { method: 'mov', experts: 3, load_balancing_coefficient: 0.1 }], ['gpt2', { method: 'lora', rank: 2 }]] as const) {
    it(`${arch}, ${adapter.method}, packed rows: the loss and gradients of the unpacked examples`, async () => {
      const examples = shortAndLong(models.get(arch)!.spec.vocabSize)
      const r = await compareStaticStep(models.get(arch)!, adapter, { device: 'cpu', precision: 'fp32', examples, packed: true })
      expect(r.staticLoss).toBeCloseTo(r.cpuLoss, 5)
      expect(r.worstGradientError).toBeLessThan(1e-4)
    })
  }

  it.each([false, true])('has no run-time shape arithmetic, no LogSoftmax and no int64 input but the token ids (packed rows: %s)', (packed) => {
    const model = models.get('llama')!
    const step = buildStepGraph(model, parseAdapterConfig({ method: 'mov', experts: 2 }), {
      kind: 'train',
      maxPositions: 32,
      target: { provider: 'webgpu', precision: 'fp16', shape: { batch: 2, seq: 8 } },
      packed,
    })
    expect(step.graph.inputs.some((v) => v.name === 'position_ids')).toBe(packed)
    const onnx = emitModel(step.graph, { target: 'gpu' })
    const ops = new Set(onnx.graph.node.map((n) => n.opType))
    for (const op of ['Shape', 'LogSoftmax', 'Range']) expect(ops.has(op), op).toBe(false)
    const int64Inputs = step.graph.inputs.filter((v) => v.dtype === 'int64').map((v) => v.name)
    expect(int64Inputs).toEqual(['input_ids'])
    for (const v of step.graph.inputs) expect(v.shape.every((d) => typeof d === 'number'), v.describe()).toBe(true)
    expect(step.graph.inputs.map((v) => v.name)).toContain('loss_scale')
  })
})

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

describe('precision and provider for a run (docs/DESIGN.md "Precision")', () => {
  it('the runtime\'s precisions are the run configuration\'s (checked by the compiler)', () => {
    const agree: Same<RunConfig['train']['precision'], RequestedPrecision> = true
    expect(agree).toBe(true)
  })

  it('CPU trains float32 and refuses half precision, saying what to do', () => {
    expect(resolvePrecision('cpu', 'auto', 'bfloat16')).toEqual({ precision: 'fp32' })
    expect(resolvePrecision('cpu', 'fp32', 'float32')).toEqual({ precision: 'fp32' })
    expect(resolvePrecision('cpu', 'fp16', 'float32')).toEqual({ refused: expect.stringMatching(/precision fp16 needs a GPU.*use precision auto or fp32/) })
  })

  it('GPUs default to fp16 (bf16 for a bf16 checkpoint on CUDA); bf16 needs CUDA', () => {
    expect(resolvePrecision('webgpu', 'auto', 'float32')).toEqual({ precision: 'fp16' })
    expect(resolvePrecision('webgpu', 'auto', 'bfloat16')).toEqual({ precision: 'fp16' })
    expect(resolvePrecision('cuda', 'auto', 'bfloat16')).toEqual({ precision: 'bf16' })
    expect(resolvePrecision('cuda', 'auto', 'float16')).toEqual({ precision: 'fp16' })
    expect(resolvePrecision('dml', 'fp32', 'float16')).toEqual({ precision: 'fp32' })
    expect(resolvePrecision('webgpu', 'bf16', 'float32')).toEqual({ refused: expect.stringMatching(/bf16 needs CUDA: webgpu has no bfloat16 kernels; use fp16/) })
  })

  it.each(['t5', 'gemma3_text'])('%s (activations beyond fp16 range) gets bf16 on CUDA and float32 elsewhere unless fp16 is asked for', (modelType) => {
    expect(resolvePrecision('cuda', 'auto', 'float32', modelType)).toEqual({ precision: 'bf16' })
    expect(resolvePrecision('webgpu', 'auto', 'bfloat16', modelType)).toEqual({ precision: 'fp32' })
    expect(resolvePrecision('dml', 'auto', 'bfloat16', modelType)).toEqual({ precision: 'fp32' })
    expect(resolvePrecision('webgpu', 'fp16', 'float32', modelType)).toEqual({ precision: 'fp16' })
    expect(resolvePrecision('cpu', 'auto', 'float32', modelType)).toEqual({ precision: 'fp32' })
    // Its Llama-family siblings keep fp16 off CUDA.
    expect(resolvePrecision('webgpu', 'auto', 'bfloat16', 'qwen3')).toEqual({ precision: 'fp16' })
  })

  it('a run asking the CPU for fp16 gets a clear error naming the precision', async () => {
    const model = models.get('llama')!
    await expect(buildTrainStep(model, parseAdapterConfig({ method: 'ia3' }), { kind: 'train', device: 'cpu', precision: 'fp16' })).rejects.toThrow(
      /device "cpu" cannot run this training step: cpu: precision fp16 needs a GPU/,
    )
  })

  it('a CPU train step runs without ORT\'s memory pattern (it about doubled the activations, at the same speed)', async () => {
    const step = await buildTrainStep(models.get('llama')!, parseAdapterConfig({ method: 'ia3' }), { kind: 'train', device: 'cpu', threads: 1 })
    try {
      expect(step.session.memPattern).toBe(false)
    } finally {
      await step.session.dispose()
    }
  })

  it('the run log line says provider, precision and padding', () => {
    expect(describeTarget({ provider: 'cpu', precision: 'fp32', shape: null })).toBe('cpu, float32')
    expect(describeTarget({ provider: 'webgpu', precision: 'fp16', shape: { batch: 8, seq: 256 } })).toBe('webgpu, fp16 frozen products, float32 adapters, batches padded to 8 × 256')
  })

  it('auto skips WebGPU on a Linux machine without GPU device nodes (a software Vulkan adapter), an explicit webgpu does not', () => {
    const facts = (gpuDevicePresent: boolean): ProviderFacts => ({
      platform: 'linux', arch: 'x64', backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }], hasProviderLibrary: () => false, gpuDevicePresent,
    })
    expect(planProviders('auto', facts(true)).candidates).toEqual(['webgpu', 'cpu'])
    const soft = planProviders('auto', facts(false))
    expect(soft.candidates).toEqual(['cpu'])
    expect(soft.skipped.find((s) => s.provider === 'webgpu')!.reason).toBe(SOFTWARE_WEBGPU_REASON)
    expect(planProviders('webgpu', facts(false)).candidates).toEqual(['webgpu'])
    // and the System page says why
    expect(describeProviders(facts(false)).find((p) => p.name === 'webgpu')).toEqual({ name: 'webgpu', available: true, reason: `built in, but ${SOFTWARE_WEBGPU_REASON}` })
    expect(describeProviders(facts(true)).find((p) => p.name === 'webgpu')!.reason).toMatch(/^built in; needs a GPU adapter/)
  })

  it('GPU device nodes are DRM render nodes, NVIDIA devices or WSL2 dxg', () => {
    const dev = join(tmp.dir, 'dev')
    mkdirSync(join(dev, 'dri'), { recursive: true })
    writeFileSync(join(dev, 'dri', 'card0'), '')
    expect(linuxGpuDevicePresent(dev)).toBe(false)
    writeFileSync(join(dev, 'nvidia0'), '')
    expect(linuxGpuDevicePresent(dev)).toBe(true)
    expect(linuxGpuDevicePresent(join(tmp.dir, 'missing'))).toBe(false)
  })
})

describe('static batches', () => {
  it('pads rows and columns to the run shape, masking the padding out', () => {
    const examples = unevenExamples(64)
    const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
    const shape = staticBatchShape(examples, 4, layout)
    expect(shape).toEqual({ batch: 4, seq: 12, labeled: 8 + 6 + 4 })
    const batch = makeBatch(examples.slice(1), { ...layout, shape })
    expect(batch.feeds.input_ids.shape).toEqual([4, 12])
    const mask = Array.from(batch.feeds.attention_mask.data as BigInt64Array, Number)
    expect(mask.slice(0, 12).reduce((a, b) => a + b, 0)).toBe(10)
    expect(mask.slice(24).every((v) => v === 0)).toBe(true) // rows 3 and 4 are padding
    expect(batch.tokens).toBe(10 + 8)
  })

  it('bounds the labelled tokens of any batch (the head runs over that many rows), unless no fewer than the batch\'s tokens', () => {
    // 12, 10 and 8 tokens, the first 4 a prompt: 8, 6 and 4 next-token targets.
    const examples = unevenExamples(64)
    const layout = { seq2seq: false }
    expect(staticBatchShape(examples, 2, layout).labeled).toBe(8 + 6)
    expect(staticBatchShape(examples, 1, layout).labeled).toBe(8)
    // Packed, 2 rows of 12 hold 24 tokens: the densest whole examples (8 of 12, 6 of 10), then 2 of
    // the 8-token one's 4 per 8 (1), rounded down.
    expect(staticBatchShape(examples, 2, layout, { packed: true })).toEqual({ batch: 2, seq: 12, labeled: 8 + 6 + 1 })
    // Every token but the last trained: 11 of 12 a row, 22 of 24, still fewer.
    const allTrained = examples.map((e) => ({ ...e, trained: e.trained.map(() => 1) }))
    expect(staticBatchShape(allTrained.slice(0, 1), 2, layout)).toEqual({ batch: 2, seq: 12, labeled: 11 })
    expect(staticBatchShape(examples, 2, { seq2seq: true }).labeled).toBeUndefined()
    for (const e of [...examples, ...allTrained]) expect(nextTokenCount(e)).toBe(nextTokenTargets(e).mask.reduce((a, b) => a + b, 0))
  })

  it('T5: prompt and completion widths separately', () => {
    const examples = unevenExamples(64)
    expect(staticBatchShape(examples, 2, { seq2seq: true })).toEqual({ batch: 2, seq: 4, tgt: 8 })
  })

  it('an example longer than the static shape is an error naming its line', () => {
    const examples = unevenExamples(64)
    const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0, shape: { batch: 4, seq: 9 } }
    expect(() => makeBatch(examples, layout)).toThrow(/line 1: 12 input tokens, more than the 9 this step graph was built for/)
  })

  it('int64 feeds become the int32/float32 the GPU graph declares, exactly or with an error', () => {
    const ids = hostTensor('int64', [3], BigInt64Array.from([0n, 5n, 70000n]))
    expect(Array.from(conformIntegerFeed('labels', ids, 'int32').data as Int32Array)).toEqual([0, 5, 70000])
    expect(conformIntegerFeed('attention_mask', ids, 'float32').dtype).toBe('float32')
    expect(conformIntegerFeed('input_ids', ids, 'int64')).toBe(ids)
    expect(() => conformIntegerFeed('labels', hostTensor('int64', [1], BigInt64Array.from([2n ** 40n])), 'int32')).toThrow(/input "labels": value 1099511627776 at element 0 does not fit int32/)
  })
})
