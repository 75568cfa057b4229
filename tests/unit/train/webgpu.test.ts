// Training on ORT's WebGPU provider, with CPU fallback refused (every node must have a WebGPU
// kernel): the static step graph gives the CPU graph's loss and gradients in float32, stays close
// in fp16 (docs/DESIGN.md "Precision": fp16 frozen products, float32 adapters), and a whole run trains,
// evaluates, skips fp16 overflows and resumes exactly. On a machine without a GPU, Mesa's
// lavapipe supplies the adapter (see tests/helpers/webgpu.ts).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { parseAdapterConfig } from '../../../main/engine/adapters'
import { openModel, type OpenedModel } from '../../../main/models'
import { evaluate } from '../../../main/models/eval/evaluate'
import { readEvalExamples } from '../../../main/models/eval/examples'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { openStore } from '../../../main/store'
import { START_POSITION, staticBatchShape } from '../../../main/train/batches'
import { nativeAdapterConfig } from '../../../main/train/adapter-files'
import { runTraining } from '../../../main/train/run-training'
import { buildTrainStep } from '../../../main/train/step-graph'
import { Trainer, type StepEvent } from '../../../main/train/trainer'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { WEBGPU_REQUIRED, webgpuUnavailableReason } from '../../helpers/webgpu'
import { compareStaticStep, shortAndLong } from './static-step-support'
import { headAndTail, patternExamples, SETTINGS, writePromptCompletionFile } from './support'

const unavailable = await webgpuUnavailableReason()

describe('WebGPU is available where the tests require it', () => {
  it.runIf(WEBGPU_REQUIRED)('has an adapter (MIXTURE_STUDIO_REQUIRE_WEBGPU=1)', () => {
    expect(unavailable).toBeNull()
  })
})

describe.skipIf(unavailable !== null)('training on WebGPU', () => {
  let tmp: ReturnType<typeof makeTempDir>
  const models = new Map<TinyArch, OpenedModel>()
  const model = (arch: TinyArch) => {
    if (!models.has(arch)) models.set(arch, openModel(writeTinyModel(join(tmp.dir, arch), arch).dir))
    return models.get(arch)!
  }

  beforeAll(() => {
    tmp = makeTempDir('ms-webgpu-')
  })
  afterAll(() => tmp.remove())

  describe('one step, against the symbolic CPU graph', () => {
    const fp32 = [
      ['llama', { method: 'mov', experts: 3 }],
      ['t5', { method: 'mov', experts: 2 }],
      ['gpt2', { method: 'molora', experts: 2, rank: 2 }],
      ['mistral', { method: 'lora', rank: 2 }],
    ] as const
    for (const [arch, adapter] of fp32) {
      it(`${arch}, ${adapter.method}, float32: the same loss and gradients`, async () => {
        const r = await compareStaticStep(model(arch), adapter, { device: 'webgpu', precision: 'fp32' })
        expect(r.provider).toBe('webgpu')
        expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(1e-5)
        expect(r.worstGradientError).toBeLessThan(1e-4)
      })
    }
    it('qwen2, mov, float32, packed rows: the loss and gradients of the unpacked examples', async () => {
      const m = model('qwen2')
      const r = await compareStaticStep(m, { method: 'mov', experts: 3 }, { device: 'webgpu', precision: 'fp32', examples: shortAndLong(m.spec.vocabSize), packed: true })
      expect(r.provider).toBe('webgpu')
      expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(1e-5)
      expect(r.worstGradientError).toBeLessThan(1e-4)
    })
    it('qwen2, mov, float32, packed rows and the head at the labelled tokens: the loss and gradients of the unpacked examples', async () => {
      const m = model('qwen2')
      const r = await compareStaticStep(m, { method: 'mov', experts: 3 }, { device: 'webgpu', precision: 'fp32', examples: shortAndLong(m.spec.vocabSize), packed: true, labelRows: true })
      expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(1e-5)
      expect(r.worstGradientError).toBeLessThan(1e-4)
    })
    for (const [arch, adapter, precision] of [['qwen2', { method: 'mov', experts: 3 }, 'fp32'], ['gemma3_text', { method: 'lora', rank: 2 }, 'fp16']] as const) {
      it(`${arch}, ${adapter.method}, ${precision}, the head at the labelled tokens (positions padded to the static bound): the loss and gradients of the CPU graph`, async () => {
        const r = await compareStaticStep(model(arch), adapter, { device: 'webgpu', precision, labelRows: true })
        expect(r.provider).toBe('webgpu')
        expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(precision === 'fp32' ? 1e-5 : 1e-3)
        expect(r.worstGradientError).toBeLessThan(precision === 'fp32' ? 1e-4 : 3e-2)
      })
    }
    const fp16 = [
      ['qwen2', { method: 'mov', experts: 3 }],
      ['llama', { method: 'ia3' }],
      ['t5', { method: 'lora', rank: 2 }],
    ] as const
    for (const [arch, adapter] of fp16) {
      it(`${arch}, ${adapter.method}, fp16 frozen products: within fp16 rounding of float32`, async () => {
        const r = await compareStaticStep(model(arch), adapter, { device: 'webgpu', precision: 'fp16' })
        expect(Math.abs(r.staticLoss - r.cpuLoss) / r.cpuLoss).toBeLessThan(1e-3)
        expect(r.worstGradientError).toBeLessThan(3e-2)
        expect(r.worstGradientError).toBeGreaterThan(0) // fp16 really ran: not bit-equal to float32
      })
    }
  })

  it('eval on WebGPU (padded static batches, cropped back) scores every example as the CPU does', async () => {
    for (const arch of ['qwen2', 't5'] as const) {
      const m = model(arch)
      const file = join(tmp.dir, `eval-${arch}.jsonl`)
      writeFileSync(file, [{ prompt: 'the cat sat', completion: ' on the mat.' }, { prompt: 'a', completion: ' b' }, { prompt: 'one two three four', completion: ' five six' }].map((r) => JSON.stringify(r)).join('\n') + '\n')
      const examples = readEvalExamples(file, ModelTokenizer.load(m.info.dir), m.spec)
      const cpu = await evaluate(m, examples, { batchSize: 2, threads: 1 })
      const gpu = await evaluate(m, examples, { batchSize: 2, device: 'webgpu', precision: 'fp32' })
      expect(gpu.target).toMatchObject({ provider: 'webgpu', precision: 'fp32', shape: { batch: 2 } })
      // Decoder-only: the head runs at the completions' tokens only, up to the most any 2 examples hold.
      if (arch === 'qwen2') expect(gpu.target.shape!.labeled).toBeLessThan(2 * gpu.target.shape!.seq)
      else expect(gpu.target.shape!.labeled).toBeUndefined()
      expect(gpu.scores.map((s) => [s.line, s.tokens])).toEqual(cpu.scores.map((s) => [s.line, s.tokens]))
      gpu.scores.forEach((s, i) => expect(Math.abs(s.nll - cpu.scores[i].nll) / cpu.scores[i].nll, `${arch} example ${i}`).toBeLessThan(1e-5))
      const half = await evaluate(m, examples, { batchSize: 2, device: 'webgpu', precision: 'fp16' })
      expect(Math.abs(half.summary.loss - cpu.summary.loss) / cpu.summary.loss).toBeLessThan(2e-3)
    }
  })

  it('bf16 on WebGPU is refused, naming the precision and what to use', async () => {
    await expect(
      buildTrainStep(model('llama'), parseAdapterConfig({ method: 'ia3' }), { kind: 'train', device: 'webgpu', precision: 'bf16', batchShape: { batch: 2, seq: 8 } }),
    ).rejects.toThrow(/device "webgpu" cannot run this training step: webgpu: precision bf16 needs CUDA: webgpu has no bfloat16 kernels; use fp16/)
  })

  it('fp16: an overflowing loss scale skips updates and halves until the gradients fit, then the loss falls', async () => {
    const m = model('qwen2')
    const adapter = parseAdapterConfig({ method: 'mov', experts: 2 })
    const examples = patternExamples(m.spec.vocabSize, 8)
    const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }
    const shape = staticBatchShape(examples, 4, layout)
    const step = await buildTrainStep(m, adapter, { kind: 'train', device: 'webgpu', precision: 'fp16', batchShape: shape, maxPositions: 32 })
    expect(step.target).toEqual({ provider: 'webgpu', precision: 'fp16', shape })
    const events: StepEvent[] = []
    const notices: string[] = []
    const trainer = new Trainer({
      step, evalStep: null, train: examples, validation: [], layout: { ...layout, shape },
      settings: { ...SETTINGS, lr: 0.1, max_steps: 20 },
      checkpointsDir: join(tmp.dir, 'overflow-checkpoints'),
      adapterConfigAt: (at) => nativeAdapterConfig(adapter, { path: m.info.dir, model_type: m.spec.modelType, architecture: m.info.architecture, hidden_size: m.spec.hiddenSize, num_layers: m.spec.numLayers, vocab_size: m.spec.vocabSize }, step.trainableParameterCount, at),
      // 2^30: the scaled fp16 gradients overflow (fp16 ends at 65504) until the scale is far lower.
      start: { step: 0, position: START_POSITION, parameters: step.initialValues(1), optimizer: null, checkpoint: null, lossScale: { scale: 2 ** 30, goodSteps: 0 } },
      hooks: { onStep: (e) => events.push(e), onNotice: (_level, message) => notices.push(message) },
    })
    await trainer.run()
    await step.session.dispose()
    const skipped = events.filter((e) => e.skippedUpdate)
    expect(skipped.length).toBeGreaterThan(0)
    expect(events[0]).toMatchObject({ skippedUpdate: true, lossScale: 2 ** 30, gradNorm: 0 })
    expect(notices[0]).toMatch(/^step 1: the fp16 gradients overflowed at loss scale 1073741824; this update was skipped and the scale lowered to 536870912$/)
    // the scale halves once per skipped step, and the first applied update ends the skipping
    const firstApplied = events.findIndex((e) => !e.skippedUpdate)
    expect(firstApplied).toBe(skipped.length)
    expect(events[firstApplied].lossScale).toBe(2 ** (30 - skipped.length))
    expect(events.slice(firstApplied).every((e) => !e.skippedUpdate && Number.isFinite(e.loss))).toBe(true)
    const applied = events.slice(firstApplied).map((e) => e.loss)
    const { head, tail } = headAndTail(applied)
    expect(tail).toBeLessThan(head * 0.9)
  })

  describe('a run with device webgpu', () => {
    let dataDir: string
    let config: RunConfig
    const newRun = () => {
      const store = openStore(dataDir)
      try {
        return store.runs.create({ name: 'webgpu', config, method: config.adapter.method }).id
      } finally {
        store.close()
      }
    }
    const curve = (runId: string, name: string) => {
      const store = openStore(dataDir)
      try {
        return store.metrics.curve(runId, name)
      } finally {
        store.close()
      }
    }

    beforeAll(() => {
      dataDir = join(tmp.dir, 'home')
      config = RunConfig.parse({
        model: model('qwen2').info.dir,
        data: { train: writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 20), split: 4, max_length: 64 },
        adapter: { method: 'mov', experts: 2 },
        train: { lr: 0.05, batch_size: 4, max_steps: 6, eval_every: 3, save_every: 2, seed: 5 },
        device: 'webgpu',
      })
    })

    it('trains in fp16 on WebGPU, evaluates on the train session, and resumes exactly', async () => {
      const events: RunEvent[] = []
      const runId = newRun()
      expect(await runTraining({ dataDir, runId, onEvent: (e) => events.push(e) })).toMatchObject({ status: 'completed', step: 6 })
      const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : []))
      expect(logs.find((m) => m.startsWith('training '))).toMatch(/ on webgpu, fp16 frozen products, float32 adapters, batches padded to 4 × \d+, the LM head at up to \d+ labelled tokens of \d+, 16 training and 4 validation examples$/)
      expect(curve(runId, 'eval_loss').map((p) => p.step)).toEqual([0, 3, 6])
      const store = openStore(dataDir)
      try {
        expect(store.runs.get(runId)!.trainedOn).toMatch(/^webgpu, fp16 frozen products, float32 adapters, batches padded to 4 × \d+$/)
      } finally {
        store.close()
      }
      expect(curve(runId, 'loss_scale').map((p) => p.value)).toEqual(Array(6).fill(4096))
      const losses = curve(runId, 'loss').map((p) => p.value)
      expect(losses).toHaveLength(6)

      let steps = 0
      const resumed = newRun()
      const first = await runTraining({ dataDir, runId: resumed, onEvent: (e) => e.type === 'step' && steps++, shouldStop: () => steps >= 3 })
      expect(first).toMatchObject({ status: 'cancelled', step: 3 })
      expect(await runTraining({ dataDir, runId: resumed })).toMatchObject({ status: 'completed', step: 6 })
      const again = curve(resumed, 'loss').map((p) => p.value)
      again.forEach((loss, i) => expect(Math.abs(loss - losses[i])).toBeLessThan(1e-5))
    })
  })
})
