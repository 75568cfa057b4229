// `quantized_base` (docs/BENCHMARKS.md "Training"): what model.quantize buys and costs.
// - Memory: peak resident memory of a process that opens the `medium` shape (random weights,
//   about 254M parameters, 1 GB in float32) with a float32, int8 or int4 base, builds the real MoV
//   train step and runs one step of 1 × 64 tokens, over the bytes of the float32 weights
//   (train_peak_rss_over_fp32_weights; goal for int4 ≤ 0.35). Each in its own process; the
//   quantized copies are made first, by this process, so quantizing is not counted.
// - Quality: the loss after 200 MoV steps on the same data from the same start, with each base,
//   on the `small` shape (final_loss_relative_difference of int4 and int8 against float32; goal
//   within 2%). The data is a learnable pattern (each token's successor follows a fixed rule),
//   so the adapter has something to learn even on a random base.
// - `quantized-base-large` (a bench of its own: 4.4 GB of weights to write and quantize): the same
//   memory figures on TinyLlama-1.1B's shape, a model of the size a 4-bit base is for, where a
//   process's fixed costs (Node, onnxruntime, the session: about 0.2 of the medium shape's 1 GB)
//   no longer hide what the base itself costs.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAdapterConfig } from '../engine/adapters'
import { createOptimizer } from '../engine/optim'
import { openRunModel } from '../models/quantized/open-run-model'
import type { QuantizeScheme } from '../models/quantized/selection'
import { hostTensor, type HostTensor } from '../runtime'
import { makeBatch } from '../train/batches'
import { buildTrainStep, STEP_OUTPUTS, type TrainStep } from '../train/step-graph'
import { runBenchWorker } from './child-worker'
import type { BenchOptions } from './engine'
import { MODEL_BENCH_SHAPES, writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { benchBatch, TRAINING_SHAPES } from './training'
import { median } from './timing'

export interface QuantizedMemoryRequest {
  modelDir: string
  dataDir: string
  quantize: QuantizeScheme
  /** train.gradient_checkpointing for the step. */
  gradientCheckpointing: boolean
  shape: BenchLlamaShape
  tokens: number
  threads?: number
}

export interface QuantizedMemoryResult {
  baselineRssBytes: number
  sessionSeconds: number
  sessionPeakRssBytes: number
  stepSeconds: number
  peakRssBytes: number
  loss: number
}

const SCHEMES: readonly QuantizeScheme[] = ['none', 'int8', 'int4']
const MEMORY_TOKENS = 64
const QUALITY = { steps: 200, batch: 8, seq: 32, lr: 3e-3, lastSteps: 10 } as const
/** The training bench's batch (docs/BENCHMARKS.md): at 8 × 32 the per-call dequantization weighs more than at a real batch. */
const SPEED = { batch: 8, seq: 256 } as const
export const QUANTIZED_BASE_GOALS = { int4_train_peak_rss_over_fp32_weights: 0.35, final_loss_relative_difference: 0.02 } as const

/** TinyLlama-1.1B's shape (1.1B parameters, 4.4 GB in float32). */
export const LARGE_QUANTIZED_SHAPE: BenchLlamaShape = { hidden: 2048, layers: 22, heads: 32, kvHeads: 4, ffn: 5632, vocab: 32000 }

type MemoryByBase = Record<string, { train_peak_rss_over_fp32_weights: number; peak_rss_mb: number; baseline_rss_mb: number; above_baseline_over_fp32_weights: number; copy_mb: number; session_seconds: number; step_seconds: number }>

export interface QuantizedBaseFigures {
  bench: 'quantized_base'
  goals: typeof QUANTIZED_BASE_GOALS
  memory: {
    shape: 'medium'
    step_tokens: number
    fp32_weights_mb: number
    by_base: MemoryByBase
  }
  /** int4's peak over the float32 weights (the goal's figure). */
  train_peak_rss_over_fp32_weights: number
  quality: {
    shape: 'small'
    steps: number
    batch: number
    seq: number
    /** Mean loss of the last 10 steps, per base. */
    final_loss: Record<string, number>
    first_loss: Record<string, number>
    /** |final loss − float32's| / float32's, per quantized base. */
    final_loss_relative_difference: Record<string, number>
    seconds_per_step: Record<string, number>
  }
  /** The cost in time: a MoV-10 step of the small shape at the training bench's batch, each base, interleaved. */
  speed: {
    shape: 'small'
    batch: number
    seq: number
    step_seconds: Record<string, number>
    /** Median over rounds of the step time over float32's in the same round. */
    step_time_over_fp32: Record<string, number>
  }
}

export async function quantizedBaseBench(o: BenchOptions): Promise<QuantizedBaseFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-quantized-'))
  try {
    const memory = await memoryFigures(o, dataDir)
    const folder = writeBenchLlamaFolder(TRAINING_SHAPES.small)
    try {
      return { bench: 'quantized_base', goals: QUANTIZED_BASE_GOALS, ...memory, quality: await qualityFigures(o, folder.dir, dataDir), speed: await speedFigures(o, folder.dir, dataDir) }
    } finally {
      folder.remove()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export interface LargeQuantizedBaseFigures {
  bench: 'quantized_base_large'
  goals: { int4_train_peak_rss_over_fp32_weights: number }
  memory: { shape: 'tinyllama-1.1b'; step_tokens: number; fp32_weights_mb: number; by_base: MemoryByBase }
  train_peak_rss_over_fp32_weights: number
}

/** The memory figures alone, on LARGE_QUANTIZED_SHAPE (`bench --only quantized-base-large`). */
export async function largeQuantizedBaseBench(o: BenchOptions): Promise<LargeQuantizedBaseFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-quantized-'))
  try {
    const { memory, train_peak_rss_over_fp32_weights } = await memoryFigures(o, dataDir, LARGE_QUANTIZED_SHAPE)
    return { bench: 'quantized_base_large', goals: { int4_train_peak_rss_over_fp32_weights: QUANTIZED_BASE_GOALS.int4_train_peak_rss_over_fp32_weights }, memory: { ...memory, shape: 'tinyllama-1.1b' }, train_peak_rss_over_fp32_weights }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

async function memoryFigures(o: BenchOptions, dataDir: string, shape: BenchLlamaShape = MODEL_BENCH_SHAPES.wide): Promise<Pick<QuantizedBaseFigures, 'memory' | 'train_peak_rss_over_fp32_weights'>> {
  const folder = writeBenchLlamaFolder(shape)
  try {
    const byBase: MemoryByBase = {}
    // The last variant: what a user short of memory would pick, int4 with recomputed activations.
    const variants = [...SCHEMES.map((quantize) => ({ quantize, gradientCheckpointing: false, key: quantize as string })), { quantize: 'int4' as const, gradientCheckpointing: true, key: 'int4+checkpointing' }]
    for (const { quantize, gradientCheckpointing, key } of variants) {
      const copy = openRunModel({ path: folder.dir, quantize }, dataDir).quantized
      const request = { modelDir: folder.dir, dataDir, quantize, gradientCheckpointing, shape, tokens: MEMORY_TOKENS, ...(o.threads ? { threads: o.threads } : {}) }
      const r = await runBenchWorker<QuantizedMemoryRequest, QuantizedMemoryResult>(workerPath, request, `quantized_base bench (${key})`)
      byBase[key] = {
        train_peak_rss_over_fp32_weights: r.peakRssBytes / folder.weightBytes,
        peak_rss_mb: r.peakRssBytes / 1e6,
        baseline_rss_mb: r.baselineRssBytes / 1e6,
        above_baseline_over_fp32_weights: (r.peakRssBytes - r.baselineRssBytes) / folder.weightBytes,
        copy_mb: (copy?.bytes ?? 0) / 1e6,
        session_seconds: r.sessionSeconds,
        step_seconds: r.stepSeconds,
      }
    }
    return {
      memory: { shape: 'medium', step_tokens: MEMORY_TOKENS, fp32_weights_mb: folder.weightBytes / 1e6, by_base: byBase },
      train_peak_rss_over_fp32_weights: byBase.int4.train_peak_rss_over_fp32_weights,
    }
  } finally {
    folder.remove()
  }
}

/** Rows whose next token follows from the current one ((7·t + 3) mod 61, offset past the special ids). */
function patternFeeds(batch: number, seq: number, round: number): Record<string, HostTensor> {
  const examples = Array.from({ length: batch }, (_, b) => {
    const ids = new Int32Array(seq)
    ids[0] = ((round * batch + b) * 13) % 61
    for (let t = 1; t < seq; t++) ids[t] = (7 * ids[t - 1] + 3) % 61
    return { line: b + 1, inputIds: ids.map((v) => v + 10), trained: Uint8Array.from({ length: seq }, (_, t) => (t > 0 ? 1 : 0)) }
  })
  return makeBatch(examples, { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }).feeds
}

async function qualityFigures(o: BenchOptions, modelDir: string, dataDir: string): Promise<QuantizedBaseFigures['quality']> {
  const finalLoss: Record<string, number> = {}
  const firstLoss: Record<string, number> = {}
  const secondsPerStep: Record<string, number> = {}
  for (const quantize of SCHEMES) {
    const step = await openStep(modelDir, quantize, dataDir, QUALITY.seq, o)
    try {
      const params = Object.fromEntries(step.initialValues(7))
      const optimizer = createOptimizer(step.parameters.map((p) => ({ name: p.name, shape: p.shape })), { optimizer: 'adamw', weightDecay: 0 })
      const fetches = [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
      const losses: number[] = []
      const started = performance.now()
      for (let i = 0; i < QUALITY.steps; i++) {
        const feeds = { ...patternFeeds(QUALITY.batch, QUALITY.seq, i), ...parameterFeeds(step, params) }
        const out = await step.session.run(feeds, fetches)
        losses.push((out[STEP_OUTPUTS.loss].data as Float32Array)[0])
        optimizer.update(params, Object.fromEntries(step.parameters.map((p) => [p.name, out[STEP_OUTPUTS.gradient(p.name)].data as Float32Array])), QUALITY.lr)
      }
      secondsPerStep[quantize] = (performance.now() - started) / 1000 / QUALITY.steps
      firstLoss[quantize] = losses[0]
      finalLoss[quantize] = losses.slice(-QUALITY.lastSteps).reduce((a, b) => a + b, 0) / QUALITY.lastSteps
    } finally {
      await step.session.dispose()
    }
  }
  const relative = Object.fromEntries(SCHEMES.filter((s) => s !== 'none').map((s) => [s, Math.abs(finalLoss[s] - finalLoss.none) / finalLoss.none]))
  return { shape: 'small', steps: QUALITY.steps, batch: QUALITY.batch, seq: QUALITY.seq, final_loss: finalLoss, first_loss: firstLoss, final_loss_relative_difference: relative, seconds_per_step: secondsPerStep }
}

async function speedFigures(o: BenchOptions, modelDir: string, dataDir: string): Promise<QuantizedBaseFigures['speed']> {
  const { batch, seq } = SPEED
  const steps = []
  for (const quantize of SCHEMES) steps.push({ quantize, step: await openStep(modelDir, quantize, dataDir, seq, o) })
  try {
    const feeds = benchBatch(TRAINING_SHAPES.small, batch, seq)
    const times = new Map<QuantizeScheme, number[]>(SCHEMES.map((s) => [s, []]))
    const rounds = Math.max(1, Math.min(o.reps, 3))
    for (let round = 0; round < o.warmup + rounds; round++) {
      for (const { quantize, step } of steps) {
        const params = Object.fromEntries(step.initialValues(1))
        const started = performance.now()
        await step.session.run({ ...feeds, ...parameterFeeds(step, params) })
        if (round >= o.warmup) times.get(quantize)!.push((performance.now() - started) / 1000)
      }
    }
    const fp32 = times.get('none')!
    return {
      shape: 'small', batch, seq,
      step_seconds: Object.fromEntries(SCHEMES.map((s) => [s, median(times.get(s)!)])),
      step_time_over_fp32: Object.fromEntries(SCHEMES.filter((s) => s !== 'none').map((s) => [s, median(times.get(s)!.map((t, i) => t / fp32[i]))])),
    }
  } finally {
    for (const { step } of steps) await step.session.dispose()
  }
}

function openStep(modelDir: string, quantize: QuantizeScheme, dataDir: string, seq: number, o: BenchOptions): Promise<TrainStep> {
  const model = openRunModel({ path: modelDir, quantize }, dataDir)
  return buildTrainStep(model, parseAdapterConfig({ method: 'mov', experts: 10 }), { kind: 'train', maxPositions: seq, device: 'cpu', ...(o.threads ? { threads: o.threads } : {}) })
}

function parameterFeeds(step: TrainStep, params: Record<string, Float32Array>): Record<string, HostTensor> {
  return Object.fromEntries(step.parameters.map((p) => [p.name, hostTensor('float32', p.shape, params[p.name])]))
}

const workerPath = fileURLToPath(new URL('./quantized-base-worker.ts', import.meta.url))
