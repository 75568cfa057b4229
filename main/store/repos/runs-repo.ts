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
  trained_seconds: number
  segment_started_at: string | null
  progress_at: string | null
  trained_on: string | null
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

  /** Starts a training segment; started_at stays the first segment's start. */
  markRunning(id: string, process: { pid: number; bootTimeMs: number }, now = new Date()): RunRecord {
    const at = now.toISOString()
    this.changeOne(
      `UPDATE runs SET status = 'running', started_at = coalesce(started_at, ?), segment_started_at = ?, progress_at = ?,
       finished_at = NULL, error = NULL, pid = ?, boot_time_ms = ?
       WHERE id = ?`,
      at,
      at,
      at,
      process.pid,
      process.bootTimeMs,
      id,
    )
    return this.mustGet(id)
  }

  /** The training process made progress (a step): a segment that dies unseen is charged up to here. */
  markProgress(id: string, now = new Date()): void {
    this.db.prepare("UPDATE runs SET progress_at = ? WHERE id = ? AND status = 'running'").run(now.toISOString(), id)
  }

  /**
   * Ends the run's current segment, adding its length to the training time. `trainedUntil:
   * 'last-progress'` is for a run found orphaned: its process died at an unknown time, so the
   * segment is charged up to its last recorded step rather than up to now.
   */
  finish(
    id: string,
    status: FinalRunStatus,
    error: string | null = null,
    now = new Date(),
    options: { trainedUntil?: 'now' | 'last-progress' } = {},
  ): RunRecord {
    const segmentEnd = options.trainedUntil === 'last-progress' ? 'coalesce(progress_at, @now)' : '@now'
    this.changeOne(
      `UPDATE runs SET status = @status, finished_at = @now, error = @error, pid = NULL,
       trained_seconds = trained_seconds + coalesce(max(0, (julianday(${segmentEnd}) - julianday(segment_started_at)) * 86400), 0),
       segment_started_at = NULL
       WHERE id = @id`,
      { status, now: now.toISOString(), error, id },
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

  /** The run id is the last positional parameter, or `id` of named ones. */
  private changeOne(sql: string, ...params: unknown[]): void {
    const { changes } = this.db.prepare(sql).run(...params)
    const last = params[params.length - 1]
    const id = typeof last === 'object' && last !== null && 'id' in last ? last.id : last
    if (changes !== 1) throw new Error(`Run ${String(id)} does not exist`)
  }

  /** Where the run trains (provider, precision, batch shape), as its training process found it. */
  setTrainedOn(id: string, trainedOn: string): void {
    const { changes } = this.db.prepare(`UPDATE runs SET trained_on = ? WHERE id = ?`).run(trainedOn, id)
    if (changes !== 1) throw new Error(`Run ${id} does not exist`)
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
    trainingSeconds: row.trained_seconds,
    segmentStartedAt: row.segment_started_at,
    trainedOn: row.trained_on,
  }
}

function toRecord(row: RunRow): RunRecord {
  return { ...toSummary(row), config: JSON.parse(row.config), pid: row.pid, bootTimeMs: row.boot_time_ms }
}
