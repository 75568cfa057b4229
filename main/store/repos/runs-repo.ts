import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { RunStatus, RunSummary } from '../../contract'

export interface NewRun {
  id?: string
  name: string
  /** The run configuration (DESIGN.md "Run configuration"), stored as JSON. */
  config: unknown
  method?: string | null
  modelId?: string | null
  datasetId?: string | null
  resumedFrom?: string | null
}

export interface RunRecord extends RunSummary {
  config: unknown
  pid: number | null
  bootTimeMs: number | null
}

interface RunRow {
  id: string
  name: string
  config: string
  method: string | null
  model_id: string | null
  dataset_id: string | null
  status: RunStatus
  created_at: string
  started_at: string | null
  finished_at: string | null
  error: string | null
  resumed_from: string | null
  pid: number | null
  boot_time_ms: number | null
}

export type FinalRunStatus = Extract<RunStatus, 'completed' | 'failed' | 'cancelled' | 'interrupted'>

export class RunsRepo {
  constructor(private readonly db: Database) {}

  create(run: NewRun, now = new Date()): RunRecord {
    const id = run.id ?? randomUUID()
    this.db
      .prepare(
        `INSERT INTO runs (id, name, config, method, model_id, dataset_id, status, created_at, resumed_from)
         VALUES (@id, @name, @config, @method, @modelId, @datasetId, 'queued', @createdAt, @resumedFrom)`,
      )
      .run({
        id,
        name: run.name,
        config: JSON.stringify(run.config ?? {}),
        method: run.method ?? null,
        modelId: run.modelId ?? null,
        datasetId: run.datasetId ?? null,
        createdAt: now.toISOString(),
        resumedFrom: run.resumedFrom ?? null,
      })
    return this.mustGet(id)
  }

  get(id: string): RunRecord | undefined {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    return row && toRecord(row)
  }

  /** Newest first. */
  list(filter: { status?: RunStatus; limit: number }): RunSummary[] {
    const rows = (
      filter.status
        ? this.db.prepare('SELECT * FROM runs WHERE status = ? ORDER BY created_at DESC, id LIMIT ?').all(filter.status, filter.limit)
        : this.db.prepare('SELECT * FROM runs ORDER BY created_at DESC, id LIMIT ?').all(filter.limit)
    ) as RunRow[]
    return rows.map(toSummary)
  }

  markRunning(id: string, process: { pid: number; bootTimeMs: number }, now = new Date()): RunRecord {
    this.changeOne(
      `UPDATE runs SET status = 'running', started_at = ?, finished_at = NULL, error = NULL, pid = ?, boot_time_ms = ?
       WHERE id = ?`,
      now.toISOString(),
      process.pid,
      process.bootTimeMs,
      id,
    )
    return this.mustGet(id)
  }

  finish(id: string, status: FinalRunStatus, error: string | null = null, now = new Date()): RunRecord {
    this.changeOne(
      'UPDATE runs SET status = ?, finished_at = ?, error = ?, pid = NULL WHERE id = ?',
      status,
      now.toISOString(),
      error,
      id,
    )
    return this.mustGet(id)
  }

  /** Removes a run; its metrics, checkpoints and exports rows go with it (ON DELETE CASCADE). */
  delete(id: string): void {
    this.changeOne('DELETE FROM runs WHERE id = ?', id)
  }

  listRunning(): RunRecord[] {
    return (this.db.prepare("SELECT * FROM runs WHERE status = 'running'").all() as RunRow[]).map(toRecord)
  }

  private changeOne(sql: string, ...params: unknown[]): void {
    const { changes } = this.db.prepare(sql).run(...params)
    if (changes !== 1) throw new Error(`Run ${String(params[params.length - 1])} does not exist`)
  }

  private mustGet(id: string): RunRecord {
    const run = this.get(id)
    if (!run) throw new Error(`Run ${id} does not exist`)
    return run
  }
}

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    method: row.method,
    modelId: row.model_id,
    datasetId: row.dataset_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    resumedFrom: row.resumed_from,
  }
}

function toRecord(row: RunRow): RunRecord {
  return { ...toSummary(row), config: JSON.parse(row.config), pid: row.pid, bootTimeMs: row.boot_time_ms }
}
