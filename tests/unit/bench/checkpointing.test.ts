// The checkpointing bench on a tiny shape: both steps run in their own processes and are the same
// step (the same loss), and the figures are there. Memory and
// time themselves are measured by `bench --only checkpointing`, not asserted here.
import { describe, expect, it } from 'vitest'
import { checkpointingBench } from '../../../main/bench/checkpointing'

describe('bench checkpointing', () => {
  it('measures the step with and without recomputed blocks, alternating', async () => {
    const figures = await checkpointingBench({ reps: 2, warmup: 0, threads: 1, batch: 2, seq: 32 }, { hidden: 32, layers: 2, heads: 2, kvHeads: 1, ffn: 64, vocab: 64 })
    expect(figures).toMatchObject({ bench: 'checkpointing', batch: 2, seq: 32, rounds: 2, goals: { activation_ratio: 0.3, step_time_ratio: 1.4 } })
    for (const side of ['kept', 'recomputed'] as const) {
      expect(figures.step_seconds[side], side).toBeGreaterThan(0)
      expect(figures.peak_rss_mb[side], side).toBeGreaterThan(0)
    }
    expect(figures.activation_ratio).toBeGreaterThan(0)
    expect(figures.step_time_ratio).toBeGreaterThan(0)
    expect(figures.loss_relative_difference).toBeLessThan(1e-6)
  }, 120_000)
})
