// The cluster job's train.py (main/export/torchrun/python/train.py) against the studio's own
// training code, with Debian's PyTorch 1.13 (/usr/bin/python3): its learning rates, batches,
// optimizer updates and safetensors files equal the TypeScript ones; whole runs of a toy model
// (fixtures/toy_model.py, mirrored by toy-model.ts) equal the studio's Trainer step for step,
// checkpoints and all; a run stopped and resumed equals one that was not; and two gloo processes
// give the one-process losses. Skipped only where PyTorch is missing and
// MIXTURE_STUDIO_REQUIRE_TORCH is not 1 (CI sets it, so a missing torch fails there).
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOptimizer, learningRateAt, type OptimizerKind, type ScheduleName } from '../../../../main/engine/optim'
import { Rng } from '../../../../main/engine/random'
import { writeSafetensors } from '../../../../main/runtime/safetensors'
import { readAdapterFolder } from '../../../../main/train/adapter-files'
import { makeBatch, START_POSITION, type TrainingExample } from '../../../../main/train/batches'
import { listCheckpoints, readCheckpoint } from '../../../../main/train/checkpoint'
import { initialLossScale, nextLossScale } from '../../../../main/train/loss-scale'
import { Trainer, type EvalEvent, type StepEvent, type TrainerResult, type TrainSettings } from '../../../../main/train/trainer'
import { pythonHasTorch, spawnPython } from '../../../helpers/python-torch'
import { makeTempDir } from '../../../helpers/temp-dir'
import { toyTrainStep } from './toy-model'
import {
  readMetrics, TOY_LAYOUT, toyExamples, toyInit, toyWeights, trainPy, trainPyDistributed,
  toyAdapterConfig, TRAIN_PY, trainPyTerminated, withPrompts, writeToyJob, type MetricLine, type ToyJob,
} from './toy-job'

// Throws where MIXTURE_STUDIO_REQUIRE_TORCH=1 (CI) and torch is missing, failing the file.
const torchHere = pythonHasTorch()

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => {
  tmp = makeTempDir('ms-train-py-')
})
afterAll(() => tmp?.remove())

/** |a − b| within `rel` of |b|, or within `abs` (values near 0). */
function expectClose(actual: number, expected: number, rel: number, abs: number, what: string): void {
  const tolerance = Math.max(rel * Math.abs(expected), abs)
  if (!(Math.abs(actual - expected) <= tolerance)) throw new Error(`${what}: ${actual} differs from ${expected} by ${Math.abs(actual - expected)} (tolerance ${tolerance})`)
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length)
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], rel, abs, `${what}[${i}]`)
}

const BASE_SETTINGS: TrainSettings = {
  optimizer: 'adamw', lr: 0.05, weight_decay: 0, schedule: 'constant', warmup_steps: 0, batch_size: 3, grad_accum: 1,
  max_steps: 5, epochs: null, early_stopping: null, max_grad_norm: 1, seed: 5, eval_every: 1000, save_every: 1000,
  precision: 'auto', gradient_checkpointing: false, shuffle: true,
}

describe.skipIf(!torchHere)('train.py (the cluster job) against the studio', () => {
  describe("train.py's functions", () => {
    const schedules: { lr: number; schedule: ScheduleName; warmup_steps: number; total_steps: number }[] = [
      { lr: 0.01, schedule: 'linear', warmup_steps: 3, total_steps: 10 },
      { lr: 3e-4, schedule: 'cosine', warmup_steps: 2, total_steps: 7 },
      { lr: 0.1, schedule: 'cosine', warmup_steps: 0, total_steps: 5 },
      { lr: 0.2, schedule: 'constant', warmup_steps: 4, total_steps: 6 },
    ]
    const causalLayout = { seq2seq: false, padTokenId: 7, decoderStartTokenId: 0 }
    const seq2seqLayout = { seq2seq: true, padTokenId: 7, decoderStartTokenId: 5 }
    const example = (ids: number[], trained: number[]): TrainingExample => ({ line: 1, inputIds: Int32Array.from(ids), trained: Uint8Array.from(trained) })
    const batchCases = [
      { layout: causalLayout, examples: [example([3, 4, 5, 6], [0, 0, 1, 1]), example([9], [1]), example([8, 2, 4, 4, 3, 1], [0, 1, 1, 0, 1, 1])] },
      { layout: causalLayout, examples: [example([1, 2, 3], [1, 1, 1])] },
      { layout: seq2seqLayout, examples: [example([3, 4, 5, 6], [0, 0, 1, 1]), example([9, 8], [0, 1]), example([8, 2, 4, 4, 3, 1], [0, 0, 0, 1, 0, 1])] },
    ]
    const shapes = [
      { name: 'layer.0.a', shape: [3, 4] },
      { name: 'layer.0.b', shape: [7] },
      { name: 'layer.1.c', shape: [2, 3, 5] },
    ]
    const lrs = [0.01, 0.02, 0, 0.05, 0.03]
    const rng = new Rng(11)
    const initial = new Map(shapes.map((p) => [p.name, rng.normalArray(p.shape.reduce((a, b) => a * b, 1), 0, 1)]))
    // Gradients of a few sizes (one step's tiny, as late in training), the same for every optimizer.
    const gradients = lrs.map((_, k) => new Map(shapes.map((p) => [p.name, rng.normalArray(initial.get(p.name)!.length, 0, k === 3 ? 1e-3 : 0.5)])))
    const optimizerCases: { kind: OptimizerKind; weightDecay: number }[] = [
      { kind: 'adamw', weightDecay: 0.01 },
      { kind: 'sgd', weightDecay: 0.05 },
      { kind: 'adafactor', weightDecay: 0.02 },
      { kind: 'adafactor', weightDecay: 0 },
    ]
    const CHECKPOINT_AFTER = 3
    const safetensorsTensors = [
      { name: 'x.lora_A.weight', shape: [2, 3], values: [1, -2, 3.5, 0.25, 1e-8, -7] },
      { name: 'x.ia3_l', shape: [3], values: [1, 1.5, 2] },
    ]
    // fp16 loss scaling: overflows halve the scale, 200 good steps double it, 12 overflows in a row exhaust it.
    const lossScaleFlags = [true, false, ...Array.from({ length: 205 }, () => true), false, ...Array.from({ length: 12 }, () => false)]
    let result: {
      loss_scale: ({ kind: 'apply' | 'skip'; scale: number; goodSteps: number } | { kind: 'exhausted' })[]
      schedules: number[][]
      batches: { feeds: Record<string, { shape: number[]; dtype: string; data: number[] }>; label_tokens: number; tokens: number }[]
      optimizers: { values: Record<string, number[]>[]; step: number; state: Record<string, number[]> }[]
    }
    let dir: string

    beforeAll(async () => {
      dir = join(tmp.dir, 'functions')
      const request = {
        train_py_dir: join(TRAIN_PY, '..'),
        schedules,
        batches: batchCases.map((c) => ({
          layout: { seq2seq: c.layout.seq2seq, pad_token_id: c.layout.padTokenId, decoder_start_token_id: c.layout.decoderStartTokenId },
          examples: c.examples.map((e) => ({ ids: Array.from(e.inputIds), trained: Array.from(e.trained) })),
        })),
        optimizers: optimizerCases.map((c, i) => ({
          kind: c.kind,
          weight_decay: c.weightDecay,
          params: shapes.map((p) => ({ ...p, values: Array.from(initial.get(p.name)!) })),
          steps: lrs.map((lr, k) => ({ lr, grads: Object.fromEntries(shapes.map((p) => [p.name, Array.from(gradients[k].get(p.name)!)])) })),
          checkpoint_after: CHECKPOINT_AFTER,
          checkpoint_dir: join(dir, `checkpoints-${i}`),
          adapter_config: toyAdapterConfig(toyWeights(3), '/toy-model', null),
        })),
        loss_scale_flags: lossScaleFlags,
        safetensors: { path: join(dir, 'python.safetensors'), tensors: safetensorsTensors, metadata: { format: 'mixture-studio-adapter', method: 'ia3' } },
      }
      mkdirSync(dir, { recursive: true })
      const run = await spawnPython([join(__dirname, 'fixtures/train_functions.py')], { cwd: dir, input: JSON.stringify(request) })
      if (run.code !== 0) throw new Error(`train_functions.py failed:\n${run.stderr}`)
      result = JSON.parse(run.stdout)
    })

    it("gives the studio's learning rate for every update (linear, cosine, constant, with and without warmup)", () => {
      schedules.forEach((s, i) => {
        const expected = Array.from({ length: s.total_steps + 2 }, (_, update) =>
          learningRateAt(update, { schedule: s.schedule, lr: s.lr, warmupSteps: s.warmup_steps, totalSteps: s.total_steps }))
        expectAllClose(result.schedules[i], expected, 1e-12, 1e-18, `${s.schedule} warmup ${s.warmup_steps}`)
      })
    })

    it("builds makeBatch's feeds, label tokens and tokens (decoder-only and T5, padded)", () => {
      batchCases.forEach((c, i) => {
        const expected = makeBatch(c.examples, c.layout)
        const got = result.batches[i]
        expect(Object.keys(got.feeds).sort()).toEqual(Object.keys(expected.feeds).sort())
        for (const [name, tensor] of Object.entries(expected.feeds)) {
          expect(got.feeds[name].dtype, name).toBe('int64')
          expect(got.feeds[name].shape, name).toEqual(tensor.shape)
          expect(got.feeds[name].data, `${name} of case ${i}`).toEqual(Array.from(tensor.data as BigInt64Array, Number))
        }
        expect(got.label_tokens).toBe(expected.labelTokens)
        expect(got.tokens).toBe(expected.tokens)
      })
    })

    it("updates as the studio's AdamW, SGD and Adafactor (weight decay, lr 0 and tiny gradients included)", () => {
      optimizerCases.forEach((c, i) => {
        const optimizer = createOptimizer(shapes, { optimizer: c.kind, weightDecay: c.weightDecay })
        const values = Object.fromEntries(shapes.map((p) => [p.name, initial.get(p.name)!.slice()]))
        lrs.forEach((lr, k) => {
          optimizer.update(values, Object.fromEntries(gradients[k]), lr)
          for (const p of shapes) expectAllClose(result.optimizers[i].values[k][p.name], values[p.name], 1e-6, 1e-7, `${c.kind} step ${k + 1} ${p.name}`)
        })
        expect(result.optimizers[i].step).toBe(lrs.length)
        // The state itself, slot by slot (Adafactor's update clipping hides a wrong scale of it from the
        // values), within 1e-6 of each slot's largest value: torch rounds AdamW's moments to float32
        // after each of its two operations, the studio once, and a moving average may cancel to near 0.
        const state = optimizer.state().tensors
        expect(Object.keys(result.optimizers[i].state)).toEqual(Object.keys(state))
        for (const [slot, values] of Object.entries(state)) {
          const scale = Math.max(...Array.from(values, Math.abs))
          expectAllClose(result.optimizers[i].state[slot], values, 1e-6, 1e-6 * scale, `${c.kind} ${slot}`)
        }
      })
    })

    it("writes optimizer state the studio's readCheckpoint loads and continues from", () => {
      optimizerCases.forEach((c, i) => {
        const checkpoint = readCheckpoint(join(dir, `checkpoints-${i}`, `step-${CHECKPOINT_AFTER}`))
        expect(checkpoint.state.step).toBe(CHECKPOINT_AFTER)
        expect(checkpoint.state.position).toEqual({ epoch: 0, batch: CHECKPOINT_AFTER })
        expect(checkpoint.state.optimizer).toEqual({ kind: c.kind, step: CHECKPOINT_AFTER })
        expect(checkpoint.adapter.config.step).toBe(CHECKPOINT_AFTER)
        for (const p of shapes) expect(Array.from(checkpoint.parameters.get(p.name)!)).toEqual(result.optimizers[i].values[CHECKPOINT_AFTER - 1][p.name])
        // The studio's optimizer takes the state as it is (names, sizes, layout) and goes on as train.py did.
        const optimizer = createOptimizer(shapes, { optimizer: c.kind, weightDecay: c.weightDecay })
        optimizer.loadState(checkpoint.optimizer)
        const values = Object.fromEntries(shapes.map((p) => [p.name, checkpoint.parameters.get(p.name)!.slice()]))
        for (let k = CHECKPOINT_AFTER; k < lrs.length; k++) optimizer.update(values, Object.fromEntries(gradients[k]), lrs[k])
        for (const p of shapes) expectAllClose(result.optimizers[i].values[lrs.length - 1][p.name], values[p.name], 1e-6, 1e-7, `${c.kind} resumed ${p.name}`)
      })
    })

    it("scales fp16 losses as the studio's loss-scale.ts (skip and halve, grow after 200 good steps, give up below 1)", () => {
      let state = initialLossScale()
      const expected = []
      for (const finite of lossScaleFlags) {
        const outcome = nextLossScale(state, finite)
        expected.push(outcome.kind === 'exhausted' ? outcome : { kind: outcome.kind, ...outcome.next })
        if (outcome.kind === 'exhausted') break
        state = outcome.next
      }
      expect(expected.at(-1)).toEqual({ kind: 'exhausted' })
      expect(result.loss_scale).toEqual(expected)
    })

    it('writes safetensors byte for byte as the studio does', () => {
      const studioPath = join(dir, 'studio.safetensors')
      writeSafetensors(studioPath, safetensorsTensors.map((t) => ({ name: t.name, dtype: 'float32' as const, shape: t.shape, data: Float32Array.from(t.values) })), { format: 'mixture-studio-adapter', method: 'ia3' })
      expect(readFileSync(join(dir, 'python.safetensors'))).toEqual(readFileSync(studioPath))
    })
  })

  // -- whole runs of the toy ------------------------------------------------------------------

  const weights = toyWeights(3)
  const init = toyInit(weights, 4)
  const toyJobs: Record<string, { settings: TrainSettings; seq2seq: boolean; aux: boolean; train: TrainingExample[]; validation: TrainingExample[]; stopsEarly?: boolean }> = {
    // Accumulation over micro-batches of unequal label tokens, a smaller last batch of an epoch,
    // 3.5 epochs, warmup + cosine, clipping, weight decay, the aux term, evaluation and saves; the
    // best checkpoint (step 3: no later evaluation gains the min_delta) outlives pruning.
    adamw: {
      settings: {
        ...BASE_SETTINGS, optimizer: 'adamw', weight_decay: 0.01, schedule: 'cosine', warmup_steps: 2, batch_size: 3, grad_accum: 2, max_steps: 7, max_grad_norm: 0.5, eval_every: 3, save_every: 2,
        early_stopping: { metric: 'eval_loss', patience: 3, min_delta: 5 },
      },
      seq2seq: false, aux: true, train: toyExamples(10, 11, 21), validation: toyExamples(5, 11, 22),
    },
    // The best checkpoint (eval_loss improved at step 2) and early stopping at step 4 of 5.
    adafactor: {
      settings: {
        ...BASE_SETTINGS, optimizer: 'adafactor', weight_decay: 0.02, schedule: 'linear', warmup_steps: 1, batch_size: 4, grad_accum: 1, max_steps: 5, max_grad_norm: null, eval_every: 2, save_every: 10,
        early_stopping: { metric: 'eval_loss', patience: 1, min_delta: 0.5 },
      },
      seq2seq: true, aux: false, train: withPrompts(toyExamples(9, 11, 23)), validation: withPrompts(toyExamples(3, 11, 24)), stopsEarly: true,
    },
    sgd: {
      settings: { ...BASE_SETTINGS, optimizer: 'sgd', lr: 0.5, weight_decay: 0.05, batch_size: 4, grad_accum: 1, max_steps: 6, max_grad_norm: 1.0, save_every: 4 },
      seq2seq: false, aux: false, train: toyExamples(10, 11, 25), validation: [],
    },
  }

  interface StudioRun {
    steps: StepEvent[]
    evals: EvalEvent[]
    parameters: Map<string, Float32Array>
    checkpointsDir: string
    result: TrainerResult
  }

  async function studioRun(job: ToyJob, name: string): Promise<StudioRun> {
    const step = toyTrainStep(job.weights, { seq2seq: job.seq2seq, aux: job.aux })
    const steps: StepEvent[] = []
    const evals: EvalEvent[] = []
    const checkpointsDir = join(tmp.dir, `studio-${name}`)
    const trainer = new Trainer({
      step,
      evalStep: job.validation.length ? toyTrainStep(job.weights, { seq2seq: job.seq2seq, aux: false }) : null,
      train: job.train,
      validation: job.validation,
      layout: { seq2seq: job.seq2seq, ...TOY_LAYOUT },
      settings: job.settings,
      checkpointsDir,
      adapterConfigAt: (at) => job.adapterConfigAt(at),
      start: { step: 0, position: START_POSITION, parameters: new Map([...job.init].map(([k, v]) => [k, v.slice()])), optimizer: null, checkpoint: null },
      hooks: { onStep: (e) => steps.push(e), onEval: (e) => evals.push(e) },
    })
    const result = await trainer.run()
    return { steps, evals, parameters: result.parameters, checkpointsDir, result }
  }

  const stepLines = (lines: MetricLine[]) => lines.filter((l) => l.event === undefined && l.loss !== undefined)
  const evalLines = (lines: MetricLine[]) => lines.filter((l) => l.eval_loss !== undefined)
  /** The lines a run's curve is made of, without the wall-clock fields. */
  const curve = (lines: MetricLine[]) => lines.filter((l) => l.event === undefined).map(({ seconds: _seconds, ...rest }) => rest)

  const runs: Record<string, { job: ToyJob; studio: StudioRun; lines: MetricLine[]; out: string }> = {}

  for (const [name, config] of Object.entries(toyJobs)) {
    describe(`a toy run, ${name}${config.seq2seq ? ' (T5 layout)' : ''}, grad_accum ${config.settings.grad_accum}`, () => {
      beforeAll(async () => {
        const job = writeToyJob(join(tmp.dir, `job-${name}`), { ...config, weights, init })
        const out = join(job.dir, 'out')
        const [studio] = await Promise.all([studioRun(job, name), trainPy(job, [])])
        runs[name] = { job, studio, lines: readMetrics(join(out, 'metrics.jsonl')), out }
      })

      it("logs the studio's loss, lr, grad_norm, tokens and epoch at every step", () => {
        const { studio, lines, job } = runs[name]
        const steps = stepLines(lines)
        expect(steps.map((l) => l.step)).toEqual(studio.steps.map((e) => e.step))
        steps.forEach((line, i) => {
          const e = studio.steps[i]
          expectClose(line.loss!, e.loss, 1e-5, 0, `step ${e.step} loss`)
          expectClose(line.lr!, e.lr, 1e-12, 0, `step ${e.step} lr`)
          expectClose(line.grad_norm!, e.gradNorm, 1e-4, 0, `step ${e.step} grad_norm`)
          expect(line.tokens, `step ${e.step} tokens`).toBe(e.tokens)
          expect(line.epoch, `step ${e.step} epoch`).toBe(e.epoch)
          if (job.aux) expectClose(line.aux_loss!, e.auxLoss!, 1e-4, 0, `step ${e.step} aux_loss`)
          else expect(line).not.toHaveProperty('aux_loss')
          expect(line.seconds).toBeGreaterThan(0)
        })
      })

      it('evaluates where the studio does (step 0, every eval_every, the last step) with its validation loss', () => {
        const { studio, lines } = runs[name]
        const evals = evalLines(lines)
        expect(evals.map((l) => l.step)).toEqual(studio.evals.map((e) => e.step))
        evals.forEach((line, i) => {
          expectClose(line.eval_loss!, studio.evals[i].loss!, 1e-5, 0, `eval at step ${line.step}`)
          expect(line.eval_tokens).toBe(studio.evals[i].tokens)
        })
      })

      it('starts metrics.jsonl with the start line and ends it with the end line', () => {
        const { lines, job, studio } = runs[name]
        const jobJson = JSON.parse(readFileSync(join(job.dir, 'job.json'), 'utf8')) as { job_id: string }
        expect(lines[0]).toMatchObject({ event: 'start', job_id: jobJson.job_id, world_size: 1, device: 'cpu', backend: null, precision: 'fp32' })
        expect(typeof lines[0].torch).toBe('string')
        expect(lines.at(-1)).toMatchObject({ event: 'end', step: studio.result.step })
        // The early-stopping run stops at step 4 of 5 in the studio, and so must train.py.
        expect(studio.result.stoppedEarly !== null).toBe(config.stopsEarly === true)
        if (studio.result.stoppedEarly) expect(lines.at(-1)!.stopped_early).toMatch(/^stopped early: no improvement of eval_loss by more than 0.5 in 1 evaluation; best was .* at step 2$/)
        else expect(lines.at(-1)).not.toHaveProperty('stopped_early')
      })

      it("keeps the studio's checkpoints, which readCheckpoint reads with the studio's values, and writes adapter/", () => {
        const { studio, out } = runs[name]
        const ours = listCheckpoints(join(out, 'checkpoints'))
        const studioSteps = listCheckpoints(studio.checkpointsDir).map((c) => c.step)
        expect(ours.map((c) => c.step)).toEqual(studioSteps)
        if (name === 'adamw') expect(studioSteps, 'the best (step 3) is kept besides the newest three').toEqual([3, 4, 6, 7])
        const last = readCheckpoint(ours.at(-1)!.path)
        const studioLast = readCheckpoint(listCheckpoints(studio.checkpointsDir).at(-1)!.path)
        expect(last.state.step).toBe(studio.result.step)
        expect(last.state.best).toEqual(studioLast.state.best && { ...studioLast.state.best, value: expect.closeTo(studioLast.state.best.value, 5) })
        expect(last.state.position).toEqual(studioLast.state.position)
        expect(last.state.optimizer).toEqual(studioLast.state.optimizer)
        expect(last.adapter.config).toEqual({ ...studioLast.adapter.config })
        for (const [param, values] of studio.parameters) expectAllClose(last.parameters.get(param)!, values, 1e-5, 1e-6, `checkpoint ${param}`)
        expect(Object.keys(last.optimizer.tensors)).toEqual(Object.keys(studioLast.optimizer.tensors))
        for (const [slot, values] of Object.entries(studioLast.optimizer.tensors)) expectAllClose(last.optimizer.tensors[slot], values, 1e-4, 1e-9, `optimizer ${slot}`)
        const adapter = readAdapterFolder(join(out, 'adapter'))
        expect(adapter.config.step).toBe(studio.result.step)
        for (const [param, values] of studio.parameters) expectAllClose(adapter.tensors.get(param)!.data, values, 1e-5, 1e-6, `adapter ${param}`)
      })
    })
  }

  describe('resume', () => {
    it('continues from the newest checkpoint as if never stopped, dropping the lines past it', async () => {
      const { job, lines: uninterrupted, out: fullOut } = runs.adamw
      const out = join(job.dir, 'out-resumed')
      const first = await trainPy(job, ['--out', out, '--max-steps', '3'])
      expect(first.stdout).toMatch(/stopped after step 3 of 7/)
      expect(listCheckpoints(join(out, 'checkpoints')).map((c) => c.step)).toEqual([2, 3])
      expect(existsSync(join(out, 'adapter'))).toBe(false)
      const stopped = readMetrics(join(out, 'metrics.jsonl'))
      expect(curve(stopped)).toEqual(curve(uninterrupted).filter((l) => l.step! <= 3))
      // A kill during step 4: its line written, its checkpoint not, and a line cut short.
      appendFileSync(join(out, 'metrics.jsonl'), `${JSON.stringify({ step: 4, loss: 9, lr: 0, grad_norm: 0, tokens: 1, epoch: 0, seconds: 1 })}\n{"step": 4, "eval_lo`)

      await trainPy(job, ['--out', out])
      const resumed = readMetrics(join(out, 'metrics.jsonl'))
      expect(curve(resumed)).toEqual(curve(uninterrupted))
      expect(resumed.filter((l) => l.event).map((l) => [l.event, l.step])).toEqual([['start', undefined], ['resume', 3], ['end', 7]])
      const a = readAdapterFolder(join(out, 'adapter'))
      const b = readAdapterFolder(join(fullOut, 'adapter'))
      for (const [param, t] of b.tensors) expect(Array.from(a.tensors.get(param)!.data), param).toEqual(Array.from(t.data))

      // Run again once complete: nothing to train, and metrics.jsonl stays as it is.
      const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      const again = await trainPy(job, ['--out', out])
      expect(again.stdout).toMatch(/the job is complete at step 7: nothing to train/)
      expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe(before)
    })
  })

  describe('data parallel: two gloo processes', () => {
    const cases = [
      { name: 'adamw', split: 'grad_accum 2: each rank takes whole micro-batches; stopped after step 3 and resumed', stopAt: 3 },
      { name: 'sgd', split: 'grad_accum 1: each rank takes every other row', stopAt: null },
    ]
    for (const { name, split, stopAt } of cases) {
      it(`give the one-process losses (${split})`, async () => {
        const { job, lines, out: oneOut } = runs[name]
        const out = join(job.dir, 'out-two')
        // Resumed, rank 1 reads nothing: rank 0 sends it the checkpoint's parameters and optimizer state.
        if (stopAt !== null) await trainPyDistributed(job, 2, ['--out', out, '--max-steps', String(stopAt)])
        const [rank0, rank1] = await trainPyDistributed(job, 2, ['--out', out])
        expect(rank0.stdout).toMatch(stopAt === null ? /step 1\// : /resuming from .*step-3/)
        expect(rank1.stdout).toBe('')
        const two = readMetrics(join(out, 'metrics.jsonl'))
        expect(two[0]).toMatchObject({ event: 'start', world_size: 2, backend: 'gloo', device: 'cpu' })
        const one = stepLines(lines)
        expect(stepLines(two).map((l) => l.step)).toEqual(one.map((l) => l.step))
        stepLines(two).forEach((line, i) => {
          expectClose(line.loss!, one[i].loss!, 1e-5, 0, `step ${line.step} loss`)
          expectClose(line.grad_norm!, one[i].grad_norm!, 1e-5, 0, `step ${line.step} grad_norm`)
          expect(line.tokens).toBe(one[i].tokens)
          if (one[i].aux_loss !== undefined) expectClose(line.aux_loss!, one[i].aux_loss!, 1e-5, 0, `step ${line.step} aux_loss`)
        })
        evalLines(two).forEach((line, i) => expectClose(line.eval_loss!, evalLines(lines)[i].eval_loss!, 1e-5, 0, `eval at ${line.step}`))
        const a = readAdapterFolder(join(out, 'adapter'))
        const b = readAdapterFolder(join(oneOut, 'adapter'))
        for (const [param, t] of b.tensors) expectAllClose(a.tensors.get(param)!.data, t.data, 1e-5, 1e-6, param)
      })
    }
  })

  describe('SIGTERM (a time limit, a preemption)', () => {
    it('stops between steps with a checkpoint of the last one (exit code 143), and a run again continues there', async () => {
      const settings: TrainSettings = { ...BASE_SETTINGS, optimizer: 'sgd', batch_size: 1, max_steps: 20_000, save_every: 100_000 }
      const job = writeToyJob(join(tmp.dir, 'job-sigterm'), { settings, seq2seq: false, aux: false, train: toyExamples(6, 11, 26), validation: [], weights, init })
      const out = join(job.dir, 'out')
      const stopped = await trainPyTerminated(job, ['--out', out], /step 2\//)
      expect(stopped.code, stopped.stderr).toBe(143)
      const lines = readMetrics(join(out, 'metrics.jsonl'))
      const last = stepLines(lines).at(-1)!.step!
      expect(last).toBeGreaterThanOrEqual(2)
      expect(last).toBeLessThan(20_000)
      expect(stopped.stderr).toContain(`stopped by SIGTERM after step ${last} of 20000; run it again with the same --out to continue from that checkpoint`)
      expect(listCheckpoints(join(out, 'checkpoints')).map((c) => c.step)).toEqual([last])
      expect(lines.some((l) => l.event === 'end')).toBe(false)
      expect(existsSync(join(out, 'adapter'))).toBe(false)

      const resumed = await trainPy(job, ['--out', out, '--max-steps', String(last + 2)])
      expect(resumed.stdout).toContain(`resuming from ${join(out, 'checkpoints', `step-${last}`)}`)
      expect(stepLines(readMetrics(join(out, 'metrics.jsonl'))).map((l) => l.step)).toEqual(Array.from({ length: last + 2 }, (_, i) => i + 1))
    })
  })

  describe('errors', () => {
    it('say what is wrong and what to do, with exit code 2, before writing anything', async () => {
      const trainPyOf = join(runs.sgd.job.dir, 'train.py')
      const never = join(tmp.dir, 'never')
      const [noModel, cpuBf16] = await Promise.all([
        spawnPython([trainPyOf, '--model', '/nonexistent/toy-model', '--out', never], { cwd: tmp.dir }),
        spawnPython([trainPyOf, '--device', 'cpu', '--precision', 'bf16', '--out', never], { cwd: tmp.dir }),
      ])
      expect(noModel.code).toBe(2)
      expect(noModel.stderr).toMatch(/the model folder \/nonexistent\/toy-model \(--model\) does not exist on this machine; copy the model here and pass --model DIR/)
      expect(cpuBf16.code).toBe(2)
      expect(cpuBf16.stderr).toMatch(/precision bf16 needs a GPU.*use --precision auto or fp32, or --device cuda/)
      expect(existsSync(never)).toBe(false)
    })
  })
})
