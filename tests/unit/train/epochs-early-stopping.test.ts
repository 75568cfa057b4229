// train.epochs and early stopping in the trainer: the step count an epoch count gives (packed or
// not, with accumulation), the extra evaluation's metrics in the eval event, the best checkpoint
// kept through pruning, and a run that stops once its watched metric stops improving, resumed
// with its best and patience intact.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { parseAdapterConfig } from '../../../main/engine/adapters'
import { nativeAdapterConfig } from '../../../main/train/adapter-files'
import { BatchOrder, START_POSITION, type TrainingExample } from '../../../main/train/batches'
import { createBatchSource, stepsForEpochs } from '../../../main/train/batch-source'
import { listCheckpoints, readCheckpoint } from '../../../main/train/checkpoint'
import { packRows } from '../../../main/train/packing'
import { buildTrainStep, type TrainStep } from '../../../main/train/step-graph'
import { Trainer, type EvalEvent, type StepEvent, type TrainerSetup, type TrainerStart, type TrainSettings } from '../../../main/train/trainer'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { patternExamples, SETTINGS } from './support'

let tmp: ReturnType<typeof makeTempDir>
let model: OpenedModel
let step: TrainStep
let packedStep: TrainStep
let folders = 0
const adapter = parseAdapterConfig({ method: 'ia3' })
const layout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }

beforeAll(async () => {
  tmp = makeTempDir('ms-epochs-')
  model = openModel(writeTinyModel(join(tmp.dir, 'model'), 'llama').dir)
  step = await buildTrainStep(model, adapter, { kind: 'train', threads: 1, maxPositions: 32 })
  packedStep = await buildTrainStep(model, adapter, { kind: 'train', threads: 1, maxPositions: 32, packed: true })
})
afterAll(async () => {
  await step.session.dispose()
  await packedStep.session.dispose()
  tmp.remove()
})

/** Examples of 3 to 11 tokens, so packing puts a varying number in a row. */
function variedExamples(count: number): TrainingExample[] {
  return Array.from({ length: count }, (_, i) => {
    const length = 3 + ((i * 5) % 9)
    return { line: i + 1, inputIds: Int32Array.from({ length }, (_, t) => 3 + ((t * 7 + i * 3) % 20)), trained: Uint8Array.from({ length }, (_, t) => (t >= 2 ? 1 : 0)) }
  })
}

interface Trained {
  trainer: Trainer
  steps: number[]
  stepEvents: StepEvent[]
  evals: EvalEvent[]
  bests: number[]
  notices: string[]
  checkpointsDir: string
}

function makeTrainer(settings: Partial<TrainSettings>, options: Partial<Pick<TrainerSetup, 'extraEval' | 'train' | 'layout' | 'faults'>> & { start?: TrainerStart; checkpointsDir?: string; packed?: boolean; stopAfter?: number } = {}): Trained {
  const all = { ...SETTINGS, ...settings }
  const checkpointsDir = options.checkpointsDir ?? join(tmp.dir, `checkpoints-${folders++}`)
  const trained: Omit<Trained, 'trainer'> = { steps: [], stepEvents: [], evals: [], bests: [], notices: [], checkpointsDir }
  const train = options.train ?? patternExamples(model.spec.vocabSize)
  const base = { path: model.info.dir, model_type: model.spec.modelType, architecture: model.info.architecture, hidden_size: model.spec.hiddenSize, num_layers: model.spec.numLayers, vocab_size: model.spec.vocabSize }
  const used = options.packed ? packedStep : step
  const trainer = new Trainer({
    step: used,
    evalStep: null,
    train,
    validation: [],
    layout: options.layout ?? (options.packed ? { ...layout, packedWidth: 16 } : layout),
    settings: all,
    checkpointsDir,
    adapterConfigAt: (at) => nativeAdapterConfig(adapter, base, used.trainableParameterCount, at),
    start: options.start ?? { step: 0, position: START_POSITION, parameters: used.initialValues(all.seed), optimizer: null, checkpoint: null },
    ...(options.extraEval ? { extraEval: options.extraEval } : {}),
    hooks: {
      onStep: (e) => (trained.steps.push(e.step), trained.stepEvents.push(e)),
      onEval: (e) => trained.evals.push(e),
      onBest: (e) => trained.bests.push(e.step),
      onNotice: (_level, message) => trained.notices.push(message),
      shouldStop: () => options.stopAfter !== undefined && trained.steps.length >= options.stopAfter,
    },
  })
  return { trainer, ...trained }
}

/** An extra evaluation that reports a scripted accuracy per step (deterministic: no model involved). */
function scripted(values: Record<number, number>): TrainerSetup['extraEval'] {
  return async (at) => {
    if (!(at in values)) throw new Error(`no scripted accuracy for step ${at}`)
    return { 'accuracy.arc': values[at] }
  }
}

/** The start a run resumes from: its newest checkpoint, as run-training.ts reads it. */
function resumeFrom(checkpointsDir: string): TrainerStart {
  const newest = listCheckpoints(checkpointsDir).at(-1)!
  const saved = readCheckpoint(newest.path)
  return { step: saved.state.step, position: saved.state.position, parameters: saved.parameters, optimizer: saved.optimizer, checkpoint: newest.path, best: saved.state.best ?? null }
}

describe('train.epochs', () => {
  it('counts every batch of the epochs, grad_accum batches a step, a fraction of an epoch included', () => {
    // 10 examples in batches of 4: 3 batches an epoch (the last one of 2 examples).
    const source = createBatchSource(variedExamples(10), [], layout, { batchSize: 4, shuffle: true, seed: 1 })
    expect(stepsForEpochs(source, 1, 1)).toBe(3)
    expect(stepsForEpochs(source, 2, 1)).toBe(6)
    expect(stepsForEpochs(source, 2, 4)).toBe(2) // 6 batches, the second step takes the last 2
    expect(stepsForEpochs(source, 2.5, 1)).toBe(8) // 7.5 batches: the last step completes its batch
    expect(stepsForEpochs(source, 0.1, 1)).toBe(1)
    // 1.1 epochs of 10 batches is 11 batches, whatever floating point makes of 0.1 x 10.
    const tenBatches = createBatchSource(variedExamples(10), [], layout, { batchSize: 1, shuffle: false, seed: 1 })
    expect(stepsForEpochs(tenBatches, 1.1, 1)).toBe(11)
  })

  it('counts packed batches epoch by epoch, as each epoch\'s shuffle packs them', () => {
    const examples = variedExamples(23)
    const options = { batchSize: 2, shuffle: true, seed: 7, packedWidth: 16 }
    const source = createBatchSource(examples, [], layout, options)
    // Independently: each epoch's order packed into rows of 16 tokens, 2 rows a batch.
    const order = new BatchOrder(examples.length, { batchSize: 2, shuffle: true, seed: 7 })
    const batchesOf = (epoch: number) => Math.ceil(packRows(order.orderOf(epoch), Uint32Array.from(examples, (e) => e.inputIds.length), 16).length / 2)
    const perEpoch = [0, 1, 2].map(batchesOf)
    expect(perEpoch.every((n) => n < Math.ceil(examples.length / 2))).toBe(true) // packing does fit several examples a row
    expect(stepsForEpochs(source, 2, 1)).toBe(perEpoch[0] + perEpoch[1])
    expect(stepsForEpochs(source, 3, 2)).toBe(Math.ceil((perEpoch[0] + perEpoch[1] + perEpoch[2]) / 2))
  })

  it('trains exactly the epochs: the data position ends at the start of the next epoch', async () => {
    // 16 examples in batches of 4 with 2 micro-batches a step: 2 steps an epoch.
    const run = makeTrainer({ max_steps: null, epochs: 3, batch_size: 4, grad_accum: 2 })
    expect(run.trainer.totalSteps).toBe(6)
    const result = await run.trainer.run()
    expect(result).toMatchObject({ status: 'completed', step: 6, stoppedEarly: null })
    expect(run.steps).toEqual([1, 2, 3, 4, 5, 6])
    expect(readCheckpoint(result.lastCheckpoint!).state.position).toEqual({ epoch: 3, batch: 0 })
  })

  it('trains exactly the epochs when packing', async () => {
    const examples = variedExamples(23)
    const run = makeTrainer({ max_steps: null, epochs: 2, batch_size: 2, grad_accum: 1 }, { train: examples, packed: true })
    const result = await run.trainer.run()
    expect(result.step).toBe(run.trainer.totalSteps)
    expect(readCheckpoint(result.lastCheckpoint!).state.position).toEqual({ epoch: 2, batch: 0 })
  })

  it('runs the learning-rate schedule and the ETA over the counted steps', async () => {
    const run = makeTrainer({ max_steps: null, epochs: 2, batch_size: 8, schedule: 'linear', lr: 0.01 })
    await run.trainer.run()
    // 16 examples, batches of 8: 4 steps; linear decay reaches 0 only at the end of those 4.
    expect(run.stepEvents.map((e) => e.lr)).toEqual([0.01, 0.0075, 0.005, 0.0025].map((v) => expect.closeTo(v, 12)))
    expect(run.stepEvents.map((e) => e.totalSteps)).toEqual([4, 4, 4, 4])
  })
})

describe('the extra evaluation', () => {
  it('runs at every eval point without validation data, its metrics in the eval event', async () => {
    const seen: number[] = []
    const run = makeTrainer({ max_steps: 5, eval_every: 2 }, {
      extraEval: async (at, parameters) => {
        seen.push(at)
        expect([...parameters.keys()]).toEqual(step.parameters.map((p) => p.name))
        return { 'accuracy.arc': at / 10 }
      },
    })
    await run.trainer.run()
    expect(seen).toEqual([0, 2, 4, 5])
    expect(run.evals.map((e) => ({ step: e.step, loss: e.loss, metrics: e.metrics }))).toEqual([0, 2, 4, 5].map((at) => ({ step: at, loss: null, metrics: { 'accuracy.arc': at / 10 } })))
  })

  it('does not evaluate at all without validation data or an extra evaluation', async () => {
    const run = makeTrainer({ max_steps: 4, eval_every: 2 })
    await run.trainer.run()
    expect(run.evals).toEqual([])
  })
})

describe('early stopping', () => {
  // Accuracy climbs to 0.62 at step 6, then moves by no more than min_delta for three evaluations.
  const curve = { 0: 0.1, 2: 0.5, 4: 0.6, 6: 0.62, 8: 0.625, 10: 0.61, 12: 0.6, 14: 0.9, 16: 0.95 }
  const stopping = { metric: 'accuracy.arc', patience: 3, min_delta: 0.01 }

  it('stops after the evaluation that exhausts its patience, keeping the best checkpoint through pruning', async () => {
    const run = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 2, early_stopping: stopping }, { extraEval: scripted(curve) })
    const result = await run.trainer.run()
    expect(result).toMatchObject({ status: 'completed', step: 12, best: { metric: 'accuracy.arc', value: 0.62, step: 6, evalsWithoutImprovement: 3 } })
    expect(result.stoppedEarly).toBe('stopped early: no improvement of accuracy.arc by more than 0.01 in 3 evaluations; best was 0.62 at step 6')
    expect(run.steps.at(-1)).toBe(12)
    expect(run.bests).toEqual([2, 4, 6]) // step 0 is the starting point, not a candidate
    // The newest three, and the best besides.
    expect(listCheckpoints(run.checkpointsDir).map((c) => c.step)).toEqual([6, 8, 10, 12])
    expect(readCheckpoint(listCheckpoints(run.checkpointsDir)[0].path).state.best).toEqual({ metric: 'accuracy.arc', value: 0.62, step: 6, evalsWithoutImprovement: 0 })
  })

  it('is not an early stop when patience runs out at the last step', async () => {
    const run = makeTrainer({ max_steps: 12, eval_every: 2, save_every: 1000, early_stopping: stopping }, { extraEval: scripted(curve) })
    expect(await run.trainer.run()).toMatchObject({ status: 'completed', step: 12, stoppedEarly: null, best: { step: 6 } })
  })

  it('checkpoints a new best at once, even between saves', async () => {
    const run = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 1000, early_stopping: stopping }, { extraEval: scripted(curve) })
    await run.trainer.run()
    // Bests at 2, 4, 6 (2 pruned once three newer exist), then the stop at 12.
    expect(listCheckpoints(run.checkpointsDir).map((c) => c.step)).toEqual([4, 6, 12])
  })

  it('without early stopping or validation data watches nothing: no best, no stop', async () => {
    const run = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 1000, early_stopping: null }, { extraEval: scripted(curve) })
    const result = await run.trainer.run()
    expect(result).toMatchObject({ step: 16, stoppedEarly: null, best: null })
    expect(run.bests).toEqual([])
  })

  it('counts patience on after a resume from a kill, and stops where the uninterrupted run stops', async () => {
    const checkpointsDir = join(tmp.dir, 'resumed')
    // Killed (stopped) after step 9: the newest checkpoint is step 8, best 0.62 at step 6 with one evaluation (8) without improvement.
    const first = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 2, early_stopping: stopping }, { extraEval: scripted(curve), checkpointsDir, stopAfter: 9 })
    expect((await first.trainer.run()).status).toBe('cancelled')
    const start = resumeFrom(checkpointsDir)
    expect(start).toMatchObject({ step: 9, best: { value: 0.62, step: 6, evalsWithoutImprovement: 1 } })
    const second = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 2, early_stopping: stopping }, { extraEval: scripted(curve), checkpointsDir, start })
    const result = await second.trainer.run()
    expect(result).toMatchObject({ status: 'completed', step: 12, best: { step: 6, value: 0.62 } })
    expect(second.evals.map((e) => e.step)).toEqual([10, 12]) // no step-0 evaluation on a resume
    expect(listCheckpoints(checkpointsDir).map((c) => c.step)).toEqual([6, 9, 10, 12])
  })

  it('stays stopped when resumed from the checkpoint it stopped at (killed before its adapter was written)', async () => {
    const run = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 2, early_stopping: stopping }, { extraEval: scripted(curve) })
    await run.trainer.run()
    const again = makeTrainer({ max_steps: 16, eval_every: 2, save_every: 2, early_stopping: stopping }, { extraEval: scripted(curve), checkpointsDir: run.checkpointsDir, start: resumeFrom(run.checkpointsDir) })
    const result = await again.trainer.run()
    expect(result).toMatchObject({ status: 'completed', step: 12, stoppedEarly: expect.stringContaining('best was 0.62 at step 6') })
    expect(again.steps).toEqual([])
  })

  it('says once when the evaluation does not report the watched metric', async () => {
    const run = makeTrainer({ max_steps: 6, eval_every: 2, early_stopping: { metric: 'accuracy.boolq', patience: 1, min_delta: 0 } }, { extraEval: scripted(curve) })
    const result = await run.trainer.run()
    expect(result).toMatchObject({ step: 6, stoppedEarly: null, best: null })
    expect(run.notices).toEqual(['step 2: the evaluation reported no accuracy.boolq (it reported accuracy.arc), so no best checkpoint is chosen by it and early stopping waits'])
  })
})
