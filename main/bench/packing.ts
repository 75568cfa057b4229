// What data.packing buys on variable-length data: one epoch of examples 1/8 to all of `seq` tokens
// long, through MoV train steps of the BENCHMARKS small shape, batched three ways:
// - per_batch: one example per row, each batch padded to its longest (the CPU's symbolic graph);
// - static: one example per row, every batch padded to `seq` (what a GPU's static graph runs);
// - packed: `batch` rows of `seq` tokens holding as many whole examples as fit (data.packing).
// Epochs of the three run interleaved, so the load of a shared machine falls on all alike; the
// speedups are medians of per-round ratios. On a GPU only static and packed can run.
import { parseAdapterConfig } from '../engine/adapters'
import { Rng } from '../engine/random'
import { openModel, type OpenedModel } from '../models'
import { hostTensor, type HostTensor } from '../runtime'
import { START_POSITION, type Batch, type BatchLayout, type TrainingExample } from '../train/batches'
import { createBatchSource } from '../train/batch-source'
import { buildTrainStep, STEP_OUTPUTS, type TrainStep } from '../train/step-graph'
import { INITIAL_LOSS_SCALE } from '../train/loss-scale'
import { writeBenchLlamaFolder } from './model-folder'
import { TRAINING_METHODS, TRAINING_SHAPES, type TrainingBenchOptions } from './training'
import { median } from './timing'

type Mode = 'per_batch' | 'static' | 'packed'

export interface PackingFigures {
  bench: 'packing'
  shape: 'small' | 'medium'
  method: 'mov'
  /** Rows per step and tokens per row. */
  batch: number
  seq: number
  examples: number
  device: string
  precision: string
  /** Share of each mode's token slots that are padding. */
  padding: Partial<Record<Mode, number>>
  /** Steps one epoch takes in each mode. */
  steps_per_epoch: Partial<Record<Mode, number>>
  examples_per_s: Partial<Record<Mode, number>>
  /** Epoch time of static over packed (the GPU's gain), and of per_batch over packed (the CPU's). */
  packed_speedup_over_static: number
  packed_speedup_over_per_batch: number | null
}

/** `count` examples of uniform random length in [seq/8, seq], every token after the first trained. */
function variedExamples(count: number, seq: number, vocab: number): TrainingExample[] {
  const rng = Rng.derive(7, 'bench/packing')
  const shortest = Math.max(2, Math.floor(seq / 8))
  return Array.from({ length: count }, (_, i) => {
    const length = shortest + Math.floor(rng.uniform() * (seq - shortest + 1))
    return {
      line: i + 1,
      inputIds: Int32Array.from({ length }, (_, t) => (((i * seq + t) * 7919) % (vocab - 3)) + 3),
      trained: Uint8Array.from({ length }, (_, t) => (t > 0 ? 1 : 0)),
    }
  })
}

/** One epoch of `mode`'s batches, made as a run makes them (train/batch-source.ts), in file order. */
function batchesOf(mode: Mode, examples: readonly TrainingExample[], rows: number, seq: number): Batch[] {
  const layout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0, ...(mode === 'per_batch' ? {} : { shape: { batch: rows, seq } }) }
  const source = createBatchSource(examples, [], layout, { batchSize: rows, shuffle: false, seed: 0, packedWidth: mode === 'packed' ? seq : null })
  const batches: Batch[] = []
  for (let position = START_POSITION; position.epoch === 0; ) {
    const { batch, next } = source.take(position)
    batches.push(batch)
    position = next
  }
  return batches
}

/** Padding share of a mode's batches: slots of input_ids not holding a real token. */
function paddingShare(batches: readonly Batch[]): number {
  const slots = batches.reduce((n, b) => n + b.feeds.input_ids.shape[0] * b.feeds.input_ids.shape[1], 0)
  const real = batches.reduce((n, b) => n + b.tokens, 0)
  return 1 - real / slots
}

interface EpochRunner {
  mode: Mode
  batches: Batch[]
  step: TrainStep
  /** One step on the first batch (sessions allocate on their first run). */
  warm(): Promise<void>
  /** Seconds of one pass over the batches (session.run of each). */
  epoch(): Promise<number>
}

async function runner(model: OpenedModel, mode: Mode, examples: readonly TrainingExample[], o: TrainingBenchOptions): Promise<EpochRunner> {
  const step = await buildTrainStep(model, parseAdapterConfig(TRAINING_METHODS.mov), {
    kind: 'train',
    maxPositions: o.seq,
    device: o.device ?? 'cpu',
    batchShape: { batch: o.batch, seq: o.seq },
    packed: mode === 'packed',
    ...(o.threads ? { threads: o.threads } : {}),
  })
  const batches = batchesOf(mode, examples, o.batch, o.seq)
  const parameters: Record<string, HostTensor> = {}
  for (const [name, values] of step.initialValues(1)) parameters[name] = hostTensor('float32', step.parameters.find((p) => p.name === name)!.shape, values)
  if (step.lossScaled) parameters[STEP_OUTPUTS.lossScale] = hostTensor('float32', [], Float32Array.of(INITIAL_LOSS_SCALE))
  const fetches = [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
  return {
    mode,
    batches,
    step,
    async warm() {
      await step.session.run({ ...batches[0].feeds, ...parameters }, fetches)
    },
    async epoch() {
      const started = performance.now()
      for (const batch of batches) await step.session.run({ ...batch.feeds, ...parameters }, fetches)
      return (performance.now() - started) / 1000
    },
  }
}


export async function packingBench(o: TrainingBenchOptions): Promise<PackingFigures> {
  const shape = TRAINING_SHAPES[o.shape]
  const folder = writeBenchLlamaFolder(shape)
  const runners: EpochRunner[] = []
  try {
    const model = openModel(folder.dir)
    const examples = variedExamples(4 * o.batch, o.seq, shape.vocab)
    const gpu = (o.device ?? 'cpu') !== 'cpu'
    const modes: Mode[] = gpu ? ['static', 'packed'] : ['per_batch', 'static', 'packed']
    for (const mode of modes) runners.push(await runner(model, mode, examples, o))
    // Warm-up: one batch of each; then whole epochs, one of each mode per round.
    for (const r of runners) await r.warm()
    const rounds = Math.max(1, Math.min(o.reps, 3))
    const seconds: Record<string, number[]> = Object.fromEntries(modes.map((m) => [m, []]))
    for (let round = 0; round < rounds; round++) for (const r of runners) seconds[r.mode].push(await r.epoch())
    const speedup = (mode: Mode) => median(seconds[mode].map((t, i) => t / seconds.packed[i]))
    const byMode = <T>(value: (r: EpochRunner) => T) => Object.fromEntries(runners.map((r) => [r.mode, value(r)])) as Partial<Record<Mode, T>>
    return {
      bench: 'packing', shape: o.shape, method: 'mov', batch: o.batch, seq: o.seq, examples: examples.length,
      device: runners[0].step.target.provider, precision: runners[0].step.target.precision,
      padding: byMode((r) => paddingShare(r.batches)),
      steps_per_epoch: byMode((r) => r.batches.length),
      examples_per_s: byMode((r) => examples.length / median(seconds[r.mode])),
      packed_speedup_over_static: speedup('static'),
      packed_speedup_over_per_batch: gpu ? null : speedup('per_batch'),
    }
  } finally {
    for (const r of runners) await r.step.session.dispose()
    folder.remove()
  }
}
