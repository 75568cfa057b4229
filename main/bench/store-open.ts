// What the store's safety costs at start: a synthetic history (runs with long curves, as a year of
// use leaves) is opened as the app, serve and every CLI command open it (quick_check of every page,
// then migrations), as a job process opens it (no check: its starter just did it), and copied as
// the daily backup is (VACUUM INTO, then quick_check of the copy). The history is built once, in
// a temporary folder that is removed afterwards.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { databasePath, openStore } from '../store'
import { writeBackup } from '../store/backups'
import { integrityProblems } from '../store/integrity'
import { timeRepeated } from './timing'

export interface StoreOpenFigures {
  bench: 'store-open'
  runs: number
  metric_rows: number
  store_mb: number
  /** openStore as the app and the CLI do it: quick_check, migrations (none due), recovery. */
  open_seconds: number
  /** openStore as a job process does it. */
  open_as_job_seconds: number
  quick_check_seconds: number
  quick_check_mb_per_s: number
  /** VACUUM INTO a backup file, and quick_check of the copy. */
  backup_seconds: number
}

const METRICS_PER_STEP = ['loss', 'lr', 'grad_norm', 'tokens_per_s']

export async function storeOpenBench(options: { runs: number; steps: number; reps: number; warmup: number }): Promise<StoreOpenFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-store-'))
  try {
    buildHistory(dataDir, options.runs, options.steps)
    const path = databasePath(dataDir)
    const storeBytes = statSync(path).size
    const reps = Math.min(options.reps, 3)
    const open = await timeRepeated(async () => openStore(dataDir).close(), reps, options.warmup)
    const openAsJob = await timeRepeated(async () => openStore(dataDir, { openedBy: 'job' }).close(), reps, options.warmup)
    const store = openStore(dataDir, { openedBy: 'job' })
    try {
      const check = await timeRepeated(async () => integrityProblems(store.db), reps, options.warmup)
      let copy = 0
      const backup = await timeRepeated(async () => writeBackup(store.db, join(dataDir, `bench-backups-${copy++}`), 'daily', new Date()), reps, 0)
      return {
        bench: 'store-open',
        runs: options.runs,
        metric_rows: options.runs * options.steps * METRICS_PER_STEP.length,
        store_mb: storeBytes / 1e6,
        open_seconds: open.median,
        open_as_job_seconds: openAsJob.median,
        quick_check_seconds: check.median,
        quick_check_mb_per_s: storeBytes / 1e6 / check.median,
        backup_seconds: backup.median,
      }
    } finally {
      store.close()
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function buildHistory(dataDir: string, runs: number, steps: number): void {
  const store = openStore(dataDir)
  try {
    for (let r = 0; r < runs; r++) {
      const run = store.runs.create({ name: `bench run ${r}`, config: { bench: true, run: r }, method: 'mov' })
      store.runs.finish(run.id, 'completed')
      const samples = []
      for (let step = 1; step <= steps; step++) for (const name of METRICS_PER_STEP) samples.push({ name, step, value: Math.sin(step + r) })
      store.metrics.append(run.id, samples)
    }
  } finally {
    store.close()
  }
}
