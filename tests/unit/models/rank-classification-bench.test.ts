// The rank-classification bench runs end to end (its speeds are reports, not asserted): both
// scorers measured in one run, every figure present and finite, and their choice NLLs agreeing.
import { describe, expect, it } from 'vitest'
import { rankClassificationBench } from '../../../main/bench/rank-classification'
import { MODEL_BENCH_SHAPES } from '../../../main/bench/model-folder'

describe('rank-classification bench', () => {
  it('reports examples/s with the prompt computed once and per row, and the speed-up', async () => {
    const workload = { questions: 2, promptTokens: 24, choiceTokens: [2, 3, 5, 6] }
    const figures = await rankClassificationBench({ reps: 1, warmup: 0, threads: 1, device: 'cpu' }, MODEL_BENCH_SHAPES.tiny, workload)
    expect(figures).toMatchObject({
      bench: 'rank_classification', device_prompt_once: 'cpu, float32', device_per_row: 'cpu, float32',
      workload: '2 questions x 4 choices, prompt 24 tokens, choices 2/3/5/6 tokens',
    })
    for (const key of ['examples_per_s_prompt_once', 'examples_per_s_per_row', 'prompt_once_speedup', 'session_s_prompt_once', 'session_s_per_row'] as const) {
      expect(Number.isFinite(figures[key]) && figures[key] > 0).toBe(true)
    }
    expect(figures.prompt_once_speedup).toBeCloseTo(figures.examples_per_s_prompt_once / figures.examples_per_s_per_row, 10)
    expect(figures.max_nll_relative_difference).toBeLessThan(1e-4)
  }, 60_000)
})
