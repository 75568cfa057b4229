// The models bench runs end to end (figures are reports, not asserted speeds): each measurement in
// its own process, every figure present and finite.
import { describe, expect, it } from 'vitest'
import { modelFigures } from '../../../main/bench/models'

describe('models bench', () => {
  it('reports forward and generation tokens/s and peak memory for the tiny model', async () => {
    const figures = await modelFigures('tiny', { reps: 1, warmup: 0, threads: 1, device: 'cpu' })
    expect(figures).toMatchObject({ bench: 'models', model: 'tiny', provider: 'cpu', forward_device: 'cpu, float32', generate_device: 'cpu, float32', forward_tokens: '2x128' })
    for (const key of ['forward_tokens_per_s', 'generate_tokens_per_s', 'generate_step_growth', 'peak_rss_mb_forward', 'peak_rss_mb_generate', 'peak_rss_over_weights'] as const) {
      expect(Number.isFinite(figures[key]) && figures[key] > 0).toBe(true)
    }
    expect(figures.parameters).toBe(8561280)
  }, 60_000)
})
