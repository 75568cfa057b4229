// bench --only pytorch-eager without a usable Python: it says why and how to give one, rather than
// failing the whole bench run (its figures need a PyTorch the studio does not install).
import { describe, expect, it } from 'vitest'
import { pytorchEagerBench } from '../../../main/bench/pytorch-eager'

describe('bench pytorch-eager', () => {
  it('is skipped, saying why, when the Python cannot import torch', async () => {
    const figures = await pytorchEagerBench({ python: '/nonexistent/python3', shape: 'small', batch: 1, seq: 8, reps: 1, warmup: 0 })
    expect(figures).toHaveLength(1)
    expect(figures[0]).toMatchObject({ bench: 'pytorch_eager', skipped: expect.stringMatching(/^\/nonexistent\/python3 cannot import torch and numpy .*--python PATH$/) })
  })
})
