// `label_rows` (docs/BENCHMARKS.md, Training): what running the LM head at the labelled tokens only
// (engine/models/label-rows.ts) saves on a fine-tuning batch whose prompts are not trained. A MoV-10
// train step of the `small` shape, 8 × 256 tokens of which the first half of every row is prompt,
// with its vocabulary of 32000 (Llama 2's) and of 262144 (Gemma 3's, where the head is most of
// the step), the two steps interleaved in one process: the median of per-round step-time ratios,
// and the two steps' losses, which must agree.
import { openModel } from '../models'
import type { BenchOptions } from './engine'
import { writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { median } from './timing'
import { benchBatch, openStep, timeInterleaved, TRAINING_METHODS, TRAINING_SHAPES } from './training'

/** The vocabularies compared: Llama 2's, and Gemma 3's, where the head is most of the step. */
const VOCABULARIES: Record<string, number> = { llama2: 32_000, gemma3: 262_144 }

export interface LabelRowsSizes {
  /** The model shape; its vocabulary is each of `vocabularies` in turn. */
  shape: BenchLlamaShape
  vocabularies: Record<string, number>
  batch: number
  seq: number
}

const DEFAULT_SIZES: LabelRowsSizes = { shape: TRAINING_SHAPES.small, vocabularies: VOCABULARIES, batch: 8, seq: 256 }

export interface LabelRowsFigures {
  bench: 'label_rows'
  vocabulary: string
  shape: BenchLlamaShape
  batch: number
  seq: number
  /** Share of the batch's tokens that are labelled (the rest are prompt). */
  labelled_share: number
  step_seconds: { every_token: number; labelled_tokens: number }
  /** Median over rounds of every-token over labelled-token step seconds. */
  speedup: number
  /** |loss every − loss labelled| / loss every, for the same batch and parameters. */
  loss_relative_difference: number
}

export async function labelRowsBench(o: BenchOptions, sizes: LabelRowsSizes = DEFAULT_SIZES): Promise<LabelRowsFigures[]> {
  const { batch, seq } = sizes
  const figures: LabelRowsFigures[] = []
  for (const [vocabulary, size] of Object.entries(sizes.vocabularies)) {
    const shape = { ...sizes.shape, vocab: size }
    const folder = writeBenchLlamaFolder(shape)
    try {
      const model = openModel(folder.dir)
      const feeds = benchBatch(shape, batch, seq, seq / 2)
      const options = { ...o, shape: 'small' as const, batch, seq }
      const every = await openStep(model, TRAINING_METHODS.mov, options, feeds)
      const labelled = await openStep(model, TRAINING_METHODS.mov, { ...options, labelRows: true }, feeds)
      try {
        // Same parameters before the timed (updating) steps: the losses compare one step each.
        const [lossEvery, lossLabelled] = [(await every.run()).loss, (await labelled.run()).loss]
        const [a, b] = await timeInterleaved([every, labelled], o.reps, o.warmup)
        const labelTokens = Array.from(feeds.label_mask.data as BigInt64Array).filter((v) => v !== 0n).length
        figures.push({
          bench: 'label_rows', vocabulary, shape, batch, seq,
          labelled_share: labelTokens / (batch * seq),
          step_seconds: { every_token: a.step, labelled_tokens: b.step },
          speedup: median(a.rounds.map((t, i) => t / b.rounds[i])),
          loss_relative_difference: Math.abs(lossEvery - lossLabelled) / Math.abs(lossEvery),
        })
      } finally {
        await every.step.session.dispose()
        await labelled.step.session.dispose()
      }
    } finally {
      folder.remove()
    }
  }
  return figures
}
