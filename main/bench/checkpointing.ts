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
}

export interface CheckpointingResult {
  baselineRssBytes: number
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
  const rounds = Math.max(1, Math.min(o.reps, 3))
  const steps = 1 + Math.max(1, Math.min(o.reps, 2))
  const results: { kept: CheckpointingResult; recomputed: CheckpointingResult }[] = []
  try {
    for (let round = 0; round < rounds; round++) {
      const request = (checkpointing: boolean): CheckpointingRequest => ({ modelDir: folder.dir, shape, adapter: ADAPTER, checkpointing, batch: o.batch, seq: o.seq, steps, threads: o.threads })
      // Alternate which goes first, so that neither always meets the machine in the same state.
      const first = round % 2 === 0
      const a = await runWorker(request(first))
      const b = await runWorker(request(!first))
      results.push(first ? { recomputed: a, kept: b } : { kept: a, recomputed: b })
    }
  } finally {
    folder.remove()
  }
  const activation = (r: CheckpointingResult) => r.peakRssBytes - r.beforeStepRssBytes
  const timed = (r: CheckpointingResult) => median(r.stepSeconds.slice(1))
  const both = <T>(pick: (r: CheckpointingResult) => T) => ({ kept: median(results.map((x) => pick(x.kept) as number)), recomputed: median(results.map((x) => pick(x.recomputed) as number)) })
  const activationBytes = both(activation)
  return {
    bench: 'checkpointing',
    shape,
    adapter: ADAPTER,
    batch: o.batch,
    seq: o.seq,
    rounds,
    activation_mb: { kept: activationBytes.kept / 1e6, recomputed: activationBytes.recomputed / 1e6 },
    activation_ratio: median(results.map((x) => activation(x.recomputed) / activation(x.kept))),
    peak_rss_mb: { kept: both((r) => r.peakRssBytes).kept / 1e6, recomputed: both((r) => r.peakRssBytes).recomputed / 1e6 },
    step_seconds: both(timed),
    step_time_ratio: median(results.map((x) => timed(x.recomputed) / timed(x.kept))),
    loss_relative_difference: Math.max(...results.map((x) => Math.abs(x.recomputed.loss - x.kept.loss) / Math.abs(x.kept.loss))),
    goals: CHECKPOINTING_GOALS,
  }
}


const workerPath = fileURLToPath(new URL('./checkpointing-worker.ts', import.meta.url))

function runWorker(request: CheckpointingRequest): Promise<CheckpointingResult> {
  return runBenchWorker<CheckpointingRequest, CheckpointingResult>(workerPath, request, `checkpointing bench (${request.checkpointing ? 'recomputed' : 'kept'})`)
}
