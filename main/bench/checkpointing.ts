// `checkpointing` (docs/BENCHMARKS.md, Training): what train.gradient_checkpointing saves and
// costs on long sequences. A Llama-style model with random weights, one MoV step of
// 8 × 2048 tokens with and without recomputed blocks, each measured in a fresh process
// (checkpointing-worker.ts) so that peaks do not mix. The two run alternately, round after round,
// so that the load of a shared machine falls on both alike.
//
// activation memory = peak RSS over the steps − RSS with the session open and the batch built:
// what the step itself adds (the activations onnxruntime keeps for the backward, and its
// transient buffers), without the process, the weights or the session.
import { fileURLToPath } from 'node:url'
import type { AdapterConfigInput } from '../engine/adapters'
import { runBenchWorker } from './child-worker'
import type { BenchOptions } from './engine'
import { writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { median } from './timing'

/**
 * Narrow and few-headed so that the step without checkpointing (attention probabilities of
 * B·H·T² floats kept per layer) fits a 24 GB machine at 8 × 2048, and a small vocabulary so that
 * the logits and the loss (B·T·V floats, outside every block, the same with or without
 * checkpointing) do not hide what the blocks keep.
 */
export const CHECKPOINTING_SHAPE: BenchLlamaShape = { hidden: 256, layers: 8, heads: 2, kvHeads: 2, ffn: 688, vocab: 4096 }
const ADAPTER: AdapterConfigInput = { method: 'mov', experts: 10 }
/** docs/BENCHMARKS.md goals: activation memory with over without, step time with over without. */
export const CHECKPOINTING_GOALS = { activation_ratio: 0.3, step_time_ratio: 1.4 } as const

export interface CheckpointingRequest {
  modelDir: string
  shape: BenchLlamaShape
  adapter: AdapterConfigInput
  checkpointing: boolean
  batch: number
  seq: number
  /** Steps in the process: the first warms up (onnxruntime sizes its buffers), the rest are timed. */
  steps: number
  threads?: number
  /** false: the loss through the plain [batch, seq, vocab] logits (the head-loss bench's comparison); default in pieces. */
  lossThroughHead?: boolean
}

export interface CheckpointingResult {
  baselineRssBytes: number
  /** Building the step's graph and opening its session (gradient checkpointing's graph is the larger one). */
  sessionSeconds: number
  sessionPeakRssBytes: number
  beforeStepRssBytes: number
  peakRssBytes: number
  stepSeconds: number[]
  loss: number
}

export interface CheckpointingFigures {
  bench: 'checkpointing'
  shape: BenchLlamaShape
  adapter: AdapterConfigInput
  batch: number
  seq: number
  rounds: number
  /** Median over rounds of the activation memory (see above), MB. */
  activation_mb: { kept: number; recomputed: number }
  /** recomputed / kept activation memory (goal ≤ 0.3). */
  activation_ratio: number
  peak_rss_mb: { kept: number; recomputed: number }
  /** Median timed step, session.run only. */
  step_seconds: { kept: number; recomputed: number }
  /** Median over rounds of recomputed / kept step seconds (goal ≤ 1.4). */
  step_time_ratio: number
  /** Median seconds to build the step's graph and open its session: the wait before the first step. */
  session_seconds: { kept: number; recomputed: number }
  /** The two steps' losses differ by this much at most (relative): the same step. */
  loss_relative_difference: number
  goals: typeof CHECKPOINTING_GOALS
}

export interface CheckpointingBenchOptions extends BenchOptions {
  batch: number
  seq: number
}

export async function checkpointingBench(o: CheckpointingBenchOptions, shape: BenchLlamaShape = CHECKPOINTING_SHAPE): Promise<CheckpointingFigures> {
  const folder = writeBenchLlamaFolder(shape)
  let results: ComparedRound[]
  try {
    const request = (checkpointing: boolean): CheckpointingRequest => ({ modelDir: folder.dir, shape, adapter: ADAPTER, checkpointing, batch: o.batch, seq: o.seq, steps: timedSteps(o), threads: o.threads })
    results = await alternateSteps(o, request(false), request(true))
  } finally {
    folder.remove()
  }
  return { bench: 'checkpointing', shape, adapter: ADAPTER, batch: o.batch, seq: o.seq, ...comparedFigures(results, 'kept', 'recomputed'), goals: CHECKPOINTING_GOALS }
}

/** One round: step `a` and step `b`, each measured in its own process. */
export interface ComparedRound {
  a: CheckpointingResult
  b: CheckpointingResult
}

/** Steps per process: a warm-up, then one or two timed. */
export function timedSteps(o: BenchOptions): number {
  return 1 + Math.max(1, Math.min(o.reps, 2))
}

/**
 * `a` and `b`, each in a fresh process, for at most 3 rounds; which goes first alternates, so
 * that neither always meets the machine in the same state.
 */
export async function alternateSteps(o: BenchOptions, a: CheckpointingRequest, b: CheckpointingRequest): Promise<ComparedRound[]> {
  const rounds = Math.max(1, Math.min(o.reps, 3))
  const results: ComparedRound[] = []
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      const first = await runWorker(b)
      results.push({ b: first, a: await runWorker(a) })
    } else {
      const first = await runWorker(a)
      results.push({ a: first, b: await runWorker(b) })
    }
  }
  return results
}

/**
 * The figures of two steps compared over rounds, each under its name: medians of what the step
 * adds (peak RSS over the steps − RSS with the session open and the batch built), of the peak and
 * of the timed step (the warm-up left out); the medians over rounds of b over a; and the largest
 * relative difference of their losses (the same step: about 0).
 */
export function comparedFigures<A extends string, B extends string>(results: readonly ComparedRound[], aName: A, bName: B) {
  const activation = (r: CheckpointingResult) => r.peakRssBytes - r.beforeStepRssBytes
  const timed = (r: CheckpointingResult) => median(r.stepSeconds.slice(1))
  const both = (pick: (r: CheckpointingResult) => number, scale = 1) =>
    ({ [aName]: median(results.map((x) => pick(x.a))) * scale, [bName]: median(results.map((x) => pick(x.b))) * scale }) as Record<A | B, number>
  return {
    rounds: results.length,
    activation_mb: both(activation, 1e-6),
    activation_ratio: median(results.map((x) => activation(x.b) / activation(x.a))),
    peak_rss_mb: both((r) => r.peakRssBytes, 1e-6),
    step_seconds: both(timed),
    step_time_ratio: median(results.map((x) => timed(x.b) / timed(x.a))),
    session_seconds: both((r) => r.sessionSeconds),
    loss_relative_difference: Math.max(...results.map((x) => Math.abs(x.b.loss - x.a.loss) / Math.abs(x.a.loss))),
  }
}

const workerPath = fileURLToPath(new URL('./checkpointing-worker.ts', import.meta.url))

function runWorker(request: CheckpointingRequest): Promise<CheckpointingResult> {
  return runBenchWorker<CheckpointingRequest, CheckpointingResult>(workerPath, request, `step memory bench (${request.checkpointing ? 'recomputed' : 'kept'} blocks, loss ${request.lossThroughHead === false ? 'through the logits' : 'in pieces'})`)
}
