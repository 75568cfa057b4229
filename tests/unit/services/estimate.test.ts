// runsEstimate: the trainable parameter count is the one the train step builds (exact, per
// method), the share is of the model's own parameter count, bad input names its field; the
// memory and time formulas add up and scale as documented; a guess divides by this CPU's rate.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, RunEstimate, StepTiming } from '../../../main/contract'
import { openModel } from '../../../main/models'
import { dispatchCall } from '../../../main/services'
import { CPU_STEP_SHARE, estimateRun, NOMINAL_FLOPS, type EstimateFacts } from '../../../main/services/estimate-formula'
import { buildStepGraph } from '../../../main/train/step-graph'
import { cpuRatePath } from '../../../main/services/cpu-rate'
import { currentProcessIdentity } from '../../../main/store/process-liveness'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { ESTIMATE_FACTS } from './estimate-facts'

const temp = useTempServices('ms-estimate-')
let modelDir: string
beforeAll(() => {
  modelDir = writeTinyModel(join(temp.dir, 'model'), 'qwen2').dir
})

function config(adapter: Record<string, unknown>, train: Record<string, unknown> = {}) {
  return { model: modelDir, data: { train: join(temp.dir, 'train.jsonl'), max_length: 64 }, adapter, train, device: 'cpu' }
}

async function estimate(input: unknown): Promise<RunEstimate> {
  const result = await dispatchCall(temp.services, 'runsEstimate', { config: input })
  if (!result.ok) throw new Error(result.error.message)
  return RunEstimate.parse(result.data)
}

describe('runsEstimate', () => {
  it.each([
    { method: 'mov', experts: 10 },
    { method: 'mov', experts: 30 },
    { method: 'molora', experts: 10, rank: 4 },
    { method: 'ia3' },
    { method: 'lora', rank: 16 },
  ])('counts $method trainable parameters exactly as the train step builds them', async (adapter) => {
    const answer = await estimate(config(adapter))
    const model = openModel(modelDir)
    const step = buildStepGraph(model, RunConfig.parse(config(adapter)).adapter, { kind: 'train', maxPositions: 64 })
    expect(answer.trainableParameters).toBe(step.trainableParameterCount)
    expect(answer.baseParameters).toBe(model.info.parameterCount)
    expect(answer.trainablePercent).toBeCloseTo((100 * step.trainableParameterCount) / model.info.parameterCount, 10)
    expect(answer.sites).toBe(new Set(step.parameters.map((p) => p.site.module)).size)
  })

  it('grows with the number of experts, and MoV-10 on (IA)³ sites is ten vectors plus routers per site', async () => {
    const ia3 = await estimate(config({ method: 'ia3' }))
    const mov10 = await estimate(config({ method: 'mov', experts: 10 }))
    const mov30 = await estimate(config({ method: 'mov', experts: 30 }))
    expect(mov10.trainableParameters).toBeGreaterThan(10 * ia3.trainableParameters)
    expect(mov30.trainableParameters).toBeGreaterThan(mov10.trainableParameters)
    expect(mov10.sites).toBe(ia3.sites)
  })

  it('divides a CPU step\'s FLOPs by this CPU\'s measured MatMul rate, kept in the data folder; not measured under a training run', async () => {
    const answer = await estimate(config({ method: 'ia3' }))
    const kept = JSON.parse(readFileSync(cpuRatePath(temp.dataDir), 'utf8')) as { gflops: number }
    expect(answer.time.basis).toBe('nominal')
    expect(answer.time.formula).toContain(`÷ (this CPU's MatMul rate, ${kept.gflops.toFixed(0)} GFLOP/s measured, × ${CPU_STEP_SHARE}, the share a train step reaches)`)
    // Nothing kept and a run training: the CPU is busy, so the assumed figure, and nothing measured.
    rmSync(cpuRatePath(temp.dataDir))
    const run = temp.services.store.runs.create({ name: 'busy', config: RunConfig.parse(config({ method: 'ia3' })), method: 'ia3' })
    temp.services.store.runs.markRunning(run.id, currentProcessIdentity())
    try {
      const busy = await estimate(config({ method: 'ia3' }))
      expect(busy.time.formula).toMatch(/÷ \d+ CPU cores × 8 GFLOP\/s \(assumed\)$/)
      expect(existsSync(cpuRatePath(temp.dataDir))).toBe(false)
    } finally {
      temp.services.store.runs.finish(run.id, 'cancelled')
    }
  })

  it('assumes max_length tokens when the data was not imported, and says so', async () => {
    const answer = await estimate(config({ method: 'ia3' }, { batch_size: 4, grad_accum: 2 }))
    expect(answer.sequenceLength).toBe(64)
    expect(answer.tokensPerStep).toBe(4 * 2 * 64)
    expect(answer.notes.join('\n')).toMatch(/assumed 64 tokens long/)
    expect(answer.time.basis).toBe('nominal')
  })

  it('sizes rows from the imported data: the 90th-percentile length per row on the CPU, the longest for GPU and packed rows', async () => {
    const train = join(temp.dir, 'varied.jsonl')
    // Nine short completions and one long one: p90 and the longest differ.
    const rows = Array.from({ length: 10 }, (_, i) => ({ prompt: 'copy', completion: ` ${'abc '.repeat(i === 9 ? 12 : 1 + (i % 3))}` }))
    writeFileSync(train, rows.map((row) => JSON.stringify(row)).join('\n') + '\n')
    await temp.services.datasetsImport({ path: train, model: modelDir, template: 'auto', trainOnPrompt: false, onError: 'stop', validation: { kind: 'none' } })
    const on = (device: string, packing: boolean) => estimate({ ...config({ method: 'ia3' }), data: { train, max_length: 64, packing }, device })
    const cpu = await on('cpu', false)
    const packed = await on('cpu', true)
    const gpu = await on('webgpu', false)
    expect(packed.sequenceLength).toBeGreaterThan(cpu.sequenceLength)
    expect(gpu.sequenceLength).toBe(packed.sequenceLength)
    expect(packed.notes.join('\n')).toMatch(new RegExp(`data.packing: rows of ${packed.sequenceLength} tokens \\(the longest example\\), about \\d+ examples each`))
    expect(gpu.notes.join('\n')).toMatch(/a GPU pads every row to the longest example/)
    expect(cpu.notes.join('\n')).not.toMatch(/longest example/)
    // The prompts are not trained: the head's products run at the completions' share of the tokens only.
    const imported = (await temp.services.datasetsList({})).find((d) => d.path === train)!
    const { report } = await temp.services.datasetsShow({ id: imported.id })
    const share = report.stats.trainedTokens! / report.stats.tokens!.total
    expect(share).toBeGreaterThan(0)
    expect(share).toBeLessThan(1)
    expect(cpu.time.formula).toContain(`at the ${(100 * share).toFixed(0)}% of tokens trained`)
  })

  it('says before the run starts when its precision cannot run on its device', async () => {
    const answer = await estimate(config({ method: 'ia3' }, { precision: 'fp16' }))
    expect(answer.notes.join('\n')).toMatch(/this run will not start on cpu: precision fp16 needs a GPU/)
    const gpu = await estimate({ ...config({ method: 'ia3' }), device: 'webgpu' })
    expect(gpu.memory.terms.find((t) => t.label === 'base weights')!.formula).toMatch(/× 2 B \(fp16\)$/)
  })

  it('refuses a folder that is not a model, and sites the model lacks, naming them', async () => {
    const notModel = await dispatchCall(temp.services, 'runsEstimate', { config: { ...config({ method: 'ia3' }), model: temp.dir } })
    expect(notModel).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining('model:') } })
    const badSite = await dispatchCall(temp.services, 'runsEstimate', { config: config({ method: 'lora', sites: ['c_attn'] }) })
    expect(badSite).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/adapter:.*c_attn/) } })
  })
})

describe('the estimate formulas', () => {
  const facts: EstimateFacts = ESTIMATE_FACTS

  it('adds up the documented memory terms', () => {
    const { memory } = estimateRun(facts)
    const byLabel = Object.fromEntries(memory.terms.map((t) => [t.label, t.bytes]))
    expect(byLabel['base weights']).toBe(4_000_000)
    expect(byLabel['adapter + gradients + optimizer']).toBe(2000 * 4 * 4)
    expect(byLabel.activations).toBe(2 * 32 * 4 * (16 * 64 + 4 * 256) * 4)
    expect(byLabel.attention).toBe(2 * 4 * 32 * 32 * 4 * 4 * 2)
    // The loss through the head: one piece of the 1000-entry vocabulary (here all of it) at a time.
    expect(byLabel['loss through the head']).toBe(2 * 32 * (3 * 1000 + 3 * 64) * 4)
    expect(memory.totalBytes).toBe(memory.terms.reduce((n, t) => n + t.bytes, 0))
    // a GPU holds the frozen weights in fp16/bf16
    const gpu = estimateRun({ ...facts, device: { kind: 'gpu' }, precision: 'fp16' })
    expect(gpu.memory.terms.find((t) => t.label === 'base weights')).toMatchObject({ bytes: 2_000_000, formula: '1000000 parameters × 2 B (fp16)' })
    const sgd = estimateRun({ ...facts, train: { ...facts.train, optimizer: 'sgd' } })
    expect(sgd.memory.terms.find((t) => t.label.startsWith('adapter'))!.bytes).toBe(2000 * 4 * 2)
  })

  it('counts one piece of a large vocabulary for the loss, not the whole [batch, seq, vocab] logits', () => {
    const loss = (f: EstimateFacts) => estimateRun(f).memory.terms.find((t) => t.label === 'loss through the head')!
    // A 152k vocabulary (Qwen2.5) at width 1536: pieces of 2730 rows (16 MB of W), not 152k.
    const wide = { ...facts, model: { ...facts.model, vocabSize: 151_936, hiddenSize: 1536 } }
    expect(loss(wide)).toMatchObject({ bytes: 2 * 32 * (3 * 2730 + 3 * 1536) * 4, formula: 'batch 2 × 32 tokens × (3 × 2730 vocabulary rows a piece + 3 × 1536) × 4 B' })
    // A narrow model's float head: at most 4096 rows a piece; a quantized head uses its stored pieces (16 MB of float each).
    const narrow = { ...facts, model: { ...facts.model, vocabSize: 32_000, hiddenSize: 512 } }
    expect(loss(narrow).bytes).toBe(2 * 32 * (3 * 4096 + 3 * 512) * 4)
    expect(loss({ ...narrow, quantized: { scheme: 'int4', values: 1, bytes: 1 } }).bytes).toBe(2 * 32 * (3 * 8192 + 3 * 512) * 4)
  })

  it('times a step from FLOPs over the nominal throughput, or from measured tokens/s when there are some', () => {
    const nominal = estimateRun(facts)
    const tokens = 2 * 3 * 32
    // The products' parameters: the million less the untied input embedding (1000 × 64), a lookup; attention 12·L·T·d.
    const flops = tokens * (4 * 936_000 + 12 * 4 * 32 * 64)
    expect(nominal.time.secondsPerStep).toBeCloseTo(flops / (2 * NOMINAL_FLOPS.cpuCore), 12)
    expect(nominal.time.totalSeconds).toBeCloseTo(10 * nominal.time.secondsPerStep, 12)
    expect(nominal.time.formula).toBe(`192 tokens × (4·M + 12·L·T·d = ${(flops / tokens).toExponential(2)} FLOPs per token; M = 936000 parameters in products, the input embedding being a lookup) ÷ 2 CPU cores × 8 GFLOP/s (assumed)`)
    // Imported data that trains a quarter of its tokens: the head (1000 × 64) runs at those only.
    const quarter = estimateRun({ ...facts, trainedShare: 0.25 })
    expect(quarter.time.secondsPerStep).toBeCloseTo((tokens * (4 * (936_000 - 0.75 * 64_000) + 12 * 4 * 32 * 64)) / (2 * NOMINAL_FLOPS.cpuCore), 12)
    expect(quarter.time.formula).toContain("; the head's 64000 at the 25% of tokens trained)")
    // A tied head is the embedding: every parameter is in a product.
    const tied = estimateRun({ ...facts, model: { ...facts.model, tiedEmbeddings: true } })
    expect(tied.time.secondsPerStep).toBeCloseTo((tokens * (4 * 1_000_000 + 12 * 4 * 32 * 64)) / (2 * NOMINAL_FLOPS.cpuCore), 12)
    // This CPU's measured MatMul rate, when there is one, times the share a step reaches of it.
    const rated = estimateRun({ ...facts, device: { kind: 'cpu', cores: 2, matmulGflops: 120 } })
    expect(rated.time.secondsPerStep).toBeCloseTo(flops / (120e9 * CPU_STEP_SHARE), 12)
    expect(rated.time).toMatchObject({ basis: 'nominal', formula: expect.stringContaining(`÷ (this CPU's MatMul rate, 120 GFLOP/s measured, × ${CPU_STEP_SHARE}, the share a train step reaches)`) })
    const measured = estimateRun({ ...facts, measuredTokensPerSecond: 96 })
    expect(measured.time).toMatchObject({ basis: 'measured', secondsPerStep: 2 })
  })

  it('times the whole run from a measured step: start, first step, the rest, every evaluation and checkpoint', () => {
    const timing = { device: 'cpu, float32', provider: 'cpu', startupSeconds: 2, firstStepSeconds: 0.5, secondsPerStep: 0.1, evalSeconds: 0.2, checkpointSeconds: 0.05, stepsTimed: 5, measuredAt: '2026-12-05T11:00:00.000Z' }
    // 10 steps: evaluations at 0, 4, 8 and the last (10); checkpoints at 5 and 10.
    const { time } = estimateRun({ ...facts, measuredTokensPerSecond: 96, stepTiming: timing })
    expect(time.basis).toBe('measured-step')
    expect(time.secondsPerStep).toBe(0.1)
    expect(time.totalSeconds).toBeCloseTo(2 + 0.5 + 9 * 0.1 + 4 * 0.2 + 2 * 0.05, 12)
    expect(time.formula).toBe('start 2.00 s + first step 0.50 s + 9 × 0.10 s + 4 evaluations × 0.20 s + 2 checkpoints × 0.050 s, measured on cpu, float32 at 2026-12-05 11:00 UTC')
    // Without a validation set there is nothing to evaluate.
    expect(estimateRun({ ...facts, stepTiming: { ...timing, evalSeconds: null } }).time.totalSeconds).toBeCloseTo(2 + 0.5 + 0.9 + 0.1, 12)
  })
})

describe('runsMeasureStep', () => {
  function trainFile(name: string, rows: string[]): string {
    const path = join(temp.dir, name)
    writeFileSync(path, rows.join('\n') + '\n')
    return path
  }

  it("times the configuration in a job as its run would train, and the estimate then takes the run's time from it", async () => {
    const rows = Array.from({ length: 24 }, (_, i) => JSON.stringify({ prompt: `Question ${i}?`, completion: ` Answer ${i}.` }))
    const data = { train: trainFile('measured.jsonl', rows), max_length: 128, split: 0.25 }
    const measuredConfig = { ...config({ method: 'mov', experts: 4 }, { batch_size: 4, max_steps: 40, eval_every: 10, save_every: 20 }), data }
    const before = await estimate(measuredConfig)
    expect(before).toMatchObject({ measurable: true, time: { basis: 'nominal' } })

    const answer = await dispatchCall(temp.services, 'runsMeasureStep', { config: measuredConfig })
    if (!answer.ok) throw new Error(answer.error.message)
    const timing = StepTiming.parse(answer.data)
    expect(timing).toMatchObject({ provider: 'cpu', device: expect.stringMatching(/^cpu/), stepsTimed: 5 })
    for (const seconds of [timing.startupSeconds, timing.firstStepSeconds, timing.secondsPerStep, timing.evalSeconds!, timing.checkpointSeconds]) expect(seconds).toBeGreaterThan(0)
    // Its own job process started, read the data and built the sessions: more than one step.
    expect(timing.startupSeconds).toBeGreaterThan(timing.secondsPerStep)

    const after = await estimate(measuredConfig)
    expect(after.time.basis).toBe('measured-step')
    // 40 steps: evaluations at 0, 10, 20, 30, 40; checkpoints at 20, 40.
    expect(after.time.totalSeconds).toBeCloseTo(timing.startupSeconds + timing.firstStepSeconds + 39 * timing.secondsPerStep + 5 * timing.evalSeconds! + 2 * timing.checkpointSeconds, 9)
    // What does not change a step's time shares the measurement; what does, does not.
    expect((await estimate({ ...measuredConfig, name: 'other', train: { ...measuredConfig.train, lr: 0.5, max_steps: 80, seed: 7 } })).time.basis).toBe('measured-step')
    expect((await estimate({ ...measuredConfig, train: { ...measuredConfig.train, batch_size: 8 } })).time.basis).not.toBe('measured-step')
  }, 120_000)

  it('refuses a configuration its run would fail on, naming the row, and a data file that is not there', async () => {
    const bad = trainFile('bad.jsonl', ['{"prompt": "cut', '{"prompt": "cut too'])
    const answer = await dispatchCall(temp.services, 'runsMeasureStep', { config: { ...config({ method: 'ia3' }, { max_steps: 3 }), data: { train: bad, max_length: 128 } } })
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringMatching(/^This run cannot be timed: .*bad\.jsonl.*line 1/) } })
    expect(await estimate({ ...config({ method: 'ia3' }), data: { train: join(temp.dir, 'missing.jsonl'), max_length: 32 } })).toMatchObject({ measurable: false })
  }, 120_000)
})
