// bench --only pytorch-eager without a usable Python: it says why and how to give one, rather than
// failing the whole bench run (its figures need a PyTorch the studio does not install).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pytorchEagerBench, type PytorchEagerFigures } from '../../../main/bench/pytorch-eager'
import { PYTHON, pythonHasTorch } from '../../helpers/python-torch'

describe('bench pytorch-eager', () => {
  it('is skipped, saying why, when the Python cannot import torch', async () => {
    const figures = await pytorchEagerBench({ python: '/nonexistent/python3', shape: 'small', batch: 1, seq: 8, reps: 1, warmup: 0 })
    expect(figures).toHaveLength(1)
    expect(figures[0]).toMatchObject({ bench: 'pytorch_eager', skipped: expect.stringMatching(/^\/nonexistent\/python3 cannot import torch and numpy .*--python PATH$/) })
  })

  // The real comparison at its smallest (1 × 8 tokens, one round): each method's figures are
  // reported as soon as they are measured (a time limit on the GPU machine keeps what finished),
  // both sides start from the same loss, so they run the same step, and the profiled warm-ups
  // say where the app's step went by op type.
  it.skipIf(!pythonHasTorch())('reports each method as it is measured, the app and PyTorch at the same first loss', async () => {
    const seen: PytorchEagerFigures[] = []
    const figures = await pytorchEagerBench({ python: PYTHON, shape: 'small', batch: 1, seq: 8, reps: 1, warmup: 0, threads: 1, profile: true }, (f) => seen.push(f))
    expect(seen).toEqual(figures)
    expect(figures.map((f) => ('method' in f ? f.method : f.skipped))).toEqual(['mov', 'molora', 'lora', 'ia3'])
    for (const f of figures) {
      if ('skipped' in f) throw new Error(f.skipped)
      if ('failed' in f) throw new Error(f.failed)
      expect(f).toMatchObject({ device: 'cpu', precision: 'fp32', batch: 1, seq: 8 })
      expect(f.app_over_torch).toBeGreaterThan(0)
      expect(Math.abs(f.first_loss.app - f.first_loss.torch)).toBeLessThan(1e-4 * Math.abs(f.first_loss.app))
      // Where the app's step went: its products among the op types, all on the CPU, shares of one run.
      const profile = f.app_profile!
      if ('error' in profile) throw new Error(profile.error)
      expect(profile.by_op.map((t) => t.op)).toEqual(expect.arrayContaining(['MatMul']))
      expect(profile.by_op.every((t) => t.providers.every((p) => p === 'CPUExecutionProvider') && t.ms >= 0)).toBe(true)
      const shares = profile.by_op.reduce((n, t) => n + t.share, 0)
      expect(shares).toBeCloseTo(profile.kernel_share, 6)
      expect(profile.kernel_share).toBeGreaterThan(0)
      expect(profile.kernel_share).toBeLessThanOrEqual(1)
    }
  }, 240_000)

  // The GPU machine gives one try: a method that cannot be measured is reported with why, and the
  // others still run. Here the step process dies at start (a Python whose torch imports, but which
  // cannot run the steps), so every method reports its failure, and the run still ends.
  it.skipIf(!pythonHasTorch())('reports a method it cannot measure, with why, and goes on to the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-eager-'))
    try {
      const python = join(dir, 'python3')
      writeFileSync(python, `#!/bin/sh\nif [ "$1" = "-c" ]; then exec ${PYTHON} "$@"; fi\necho "CUDA error: no kernel image is available" >&2\nexit 3\n`, { mode: 0o755 })
      const seen: PytorchEagerFigures[] = []
      const figures = await pytorchEagerBench({ python, shape: 'small', batch: 1, seq: 8, reps: 1, warmup: 0, threads: 1 }, (f) => seen.push(f))
      expect(seen).toEqual(figures)
      expect(figures).toEqual(['mov', 'molora', 'lora', 'ia3'].map((method) => ({ bench: 'pytorch_eager', method, failed: 'the PyTorch step process ended: exit status 3: CUDA error: no kernel image is available' })))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 240_000)
})
