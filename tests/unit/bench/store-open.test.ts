import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { storeOpenBench } from '../../../main/bench/store-open'

describe('bench store-open', () => {
  it('opens, checks and backs up the history it built, then removes it', async () => {
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith('mixture-studio-bench-store-'))
    const figures = await storeOpenBench({ runs: 3, steps: 50, reps: 1, warmup: 0 })
    expect(figures).toMatchObject({ bench: 'store-open', runs: 3, metric_rows: 600 })
    for (const key of ['store_mb', 'open_seconds', 'open_as_job_seconds', 'quick_check_seconds', 'quick_check_mb_per_s', 'backup_seconds'] as const) {
      expect(figures[key], key).toBeGreaterThan(0)
    }
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('mixture-studio-bench-store-'))).toEqual(before)
  })
})
