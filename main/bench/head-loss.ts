// `head_loss` (docs/BENCHMARKS.md, Training): what computing a step's loss through the head piece
// by piece (engine/models/head-loss.ts) saves and costs against the plain [batch, seq, vocab]
// logits. The `small` training shape (vocabulary 32000, the size of Llama 2's and Mistral's), one
// MoV-10 step of --head-loss-batch × --head-loss-seq tokens (default 8 × 1024) with gradient
// checkpointing on, where the logits are most of what a step adds: each in its own process,
// alternating (checkpointing.ts measures the same way).
import type { AdapterConfigInput } from '../engine/adapters'
import type { BenchOptions } from './engine'
import { alternateSteps, comparedFigures, timedSteps, type CheckpointingRequest, type ComparedRound } from './checkpointing'
import { writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { TRAINING_SHAPES } from './training'

const ADAPTER: AdapterConfigInput = { method: 'mov', experts: 10 }
/** docs/BENCHMARKS.md goals: activation memory in pieces over through the logits, and step time the same way. */
export const HEAD_LOSS_GOALS = { activation_ratio: 0.5, step_time_ratio: 1.0 } as const

export interface HeadLossBenchOptions extends BenchOptions {
  batch: number
  seq: number
}

export interface HeadLossFigures {
  bench: 'head_loss'
  shape: BenchLlamaShape
  adapter: AdapterConfigInput
  batch: number
  seq: number
  gradient_checkpointing: true
  rounds: number
  /** One copy of the plain path's logits, [batch, seq, vocab] float32, MB. */
  logits_mb: number
  /** Median over rounds of what the step adds (peak RSS over the steps − RSS before them), MB. */
  activation_mb: { logits: number; pieces: number }
  /** pieces / logits activation memory (goal ≤ 0.5). */
  activation_ratio: number
  peak_rss_mb: { logits: number; pieces: number }
  step_seconds: { logits: number; pieces: number }
  /** Median over rounds of pieces / logits step seconds (goal ≤ 1.0). */
  step_time_ratio: number
  session_seconds: { logits: number; pieces: number }
  loss_relative_difference: number
  goals: typeof HEAD_LOSS_GOALS
}

export async function headLossBench(o: HeadLossBenchOptions, shape: BenchLlamaShape = TRAINING_SHAPES.small): Promise<HeadLossFigures> {
  const folder = writeBenchLlamaFolder(shape)
  let results: ComparedRound[]
  try {
    const request = (lossThroughHead: boolean): CheckpointingRequest => ({ modelDir: folder.dir, shape, adapter: ADAPTER, checkpointing: true, lossThroughHead, batch: o.batch, seq: o.seq, steps: timedSteps(o), threads: o.threads })
    results = await alternateSteps(o, request(false), request(true))
  } finally {
    folder.remove()
  }
  return {
    bench: 'head_loss',
    shape,
    adapter: ADAPTER,
    batch: o.batch,
    seq: o.seq,
    gradient_checkpointing: true,
    logits_mb: (o.batch * o.seq * shape.vocab * 4) / 1e6,
    ...comparedFigures(results, 'logits', 'pieces'),
    goals: HEAD_LOSS_GOALS,
  }
}
