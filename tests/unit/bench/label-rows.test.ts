// The label-rows bench on a tiny shape: the step with the head at every token and the one with the
// head at the labelled tokens only, interleaved, give the same loss, and the figures are there.
// The speedup itself is measured by `bench --only label-rows`, not asserted here.
import { describe, expect, it } from 'vitest'
import { labelRowsBench } from '../../../main/bench/label-rows'

describe('bench label-rows', () => {
  it('times the head at every token and at the labelled ones, with the same loss', async () => {
    const figures = await labelRowsBench({ reps: 2, warmup: 0, threads: 1 }, { shape: { hidden: 32, layers: 2, heads: 2, kvHeads: 1, ffn: 64, vocab: 64 }, vocabularies: { small: 64, large: 512 }, batch: 2, seq: 16 })
    expect(figures.map((f) => [f.vocabulary, f.shape.vocab])).toEqual([['small', 64], ['large', 512]])
    for (const f of figures) {
      expect(f).toMatchObject({ bench: 'label_rows', batch: 2, seq: 16, labelled_share: 0.5 })
      expect(f.step_seconds.every_token).toBeGreaterThan(0)
      expect(f.step_seconds.labelled_tokens).toBeGreaterThan(0)
      expect(f.speedup).toBeGreaterThan(0)
      expect(f.loss_relative_difference).toBeLessThan(1e-6)
    }
  }, 120_000)
})
