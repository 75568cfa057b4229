// The head-loss bench on a tiny shape: the step through the plain logits and the step in pieces run
// in their own processes with gradient checkpointing, give the same loss (float32 summed in another
// order), and the figures are there. Memory and time themselves are measured by
// `bench --only head-loss`, not asserted here.
import { describe, expect, it } from 'vitest'
import { headLossBench } from '../../../main/bench/head-loss'

describe('bench head-loss', () => {
  it('measures the loss through the logits and in pieces, alternating', async () => {
    const figures = await headLossBench({ reps: 2, warmup: 0, threads: 1, batch: 2, seq: 32 }, { hidden: 32, layers: 2, heads: 2, kvHeads: 1, ffn: 64, vocab: 64 })
    expect(figures).toMatchObject({ bench: 'head_loss', batch: 2, seq: 32, rounds: 2, gradient_checkpointing: true, goals: { activation_ratio: 0.5, step_time_ratio: 1 } })
    expect(figures.logits_mb).toBeCloseTo((2 * 32 * 64 * 4) / 1e6, 9)
    for (const side of ['logits', 'pieces'] as const) {
      expect(figures.step_seconds[side], side).toBeGreaterThan(0)
      expect(figures.peak_rss_mb[side], side).toBeGreaterThan(0)
    }
    expect(figures.activation_ratio).toBeGreaterThan(0)
    expect(figures.step_time_ratio).toBeGreaterThan(0)
    expect(figures.loss_relative_difference).toBeLessThan(1e-5)
  }, 120_000)
})
