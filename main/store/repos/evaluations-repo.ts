import type { Database } from 'better-sqlite3'
import type { EvaluationConfig, EvaluationStatus } from '../../contract/evaluations'
import { currentProcessIdentity, type ProcessIdentity } from '../process-liveness'

/** A saved evaluation (evaluations): what it scores is its config, resolved when it was created. */
export interface EvaluationRecord {
  id: string
  name: string
  /** The model's folder. */
  model: string
  config: EvaluationConfig
  status: EvaluationStatus
  error: string | null
  createdAt: string
  finishedAt: string | null
  /** The process at work on it while it runs (see recovery.ts). */
  pid: number | null
  bootTimeMs: number | null
  processStartedAt: string | null
}

/** One scored cell: `correct` of `examples` questions of a task, in one column. */
export interface EvaluationCellCounts {
  task: string
  columnKey: string
  correct: number
  examples: number
}

export type FinalEvaluationStatus = Exclude<EvaluationStatus, 'running'>

interface EvaluationRow {
  id: string
  name: string
  model: string
  config: string
  status: EvaluationStatus
  error: string | null
  created_at: string
  finished_at: string | null
  pid: number | null
  boot_time_ms: number | null
  process_started_at: string | null
}

function toRecord(row: EvaluationRow): EvaluationRecord {
  return {
    id: row.id,
    name: row.name,
    model: row.model,
    config: JSON.parse(row.config) as EvaluationConfig,
    status: row.status,
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    pid: row.pid,
    bootTimeMs: row.boot_time_ms,
    processStartedAt: row.process_started_at,
  }
}

/**
 * The Evaluate page's saved tables (evaluations, evaluation_cells). The process scoring an
 * evaluation writes each cell as it finishes, so a crash keeps the finished ones.
 */
export class EvaluationsRepo {
  constructor(private readonly db: Database) {}

  /** Records an evaluation as running, owned by the process that creates it (this one unless told) until a job claims it. */
  create(evaluation: { id: string; name: string; config: EvaluationConfig }, now = new Date(), owner: ProcessIdentity = currentProcessIdentity()): EvaluationRecord {
    this.db
      .prepare(
        `INSERT INTO evaluations (id, name, model, config, status, created_at, pid, boot_time_ms, process_started_at)
         VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
      )
      .run(evaluation.id, evaluation.name, evaluation.config.model.path, JSON.stringify(evaluation.config), now.toISOString(), owner.pid, owner.bootTimeMs, owner.startedAt)
    return this.mustGet(evaluation.id)
  }

  /** The process scoring a running evaluation takes it over (a job started by the studio that created it). False when it is no longer running. */
  claim(id: string, owner: ProcessIdentity = currentProcessIdentity()): boolean {
    return this.db
      .prepare("UPDATE evaluations SET pid = ?, boot_time_ms = ?, process_started_at = ? WHERE id = ? AND status = 'running'")
      .run(owner.pid, owner.bootTimeMs, owner.startedAt, id).changes === 1
  }

  get(id: string): EvaluationRecord | undefined {
    const row = this.db.prepare('SELECT * FROM evaluations WHERE id = ?').get(id) as EvaluationRow | undefined
    return row && toRecord(row)
  }

  /** Newest first. */
  list(): EvaluationRecord[] {
    return (this.db.prepare('SELECT * FROM evaluations ORDER BY created_at DESC, rowid DESC').all() as EvaluationRow[]).map(toRecord)
  }

  listRunning(): EvaluationRecord[] {
    return (this.db.prepare("SELECT * FROM evaluations WHERE status = 'running'").all() as EvaluationRow[]).map(toRecord)
  }

  /** Stores a finished cell (a cell scored again replaces the earlier counts). */
  putCell(evaluationId: string, cell: EvaluationCellCounts): void {
    this.db
      .prepare('INSERT OR REPLACE INTO evaluation_cells (evaluation_id, task, column_key, correct, examples) VALUES (?, ?, ?, ?, ?)')
      .run(evaluationId, cell.task, cell.columnKey, cell.correct, cell.examples)
  }

  cells(evaluationId: string): EvaluationCellCounts[] {
    return this.db
      .prepare('SELECT task, column_key AS columnKey, correct, examples FROM evaluation_cells WHERE evaluation_id = ?')
      .all(evaluationId) as EvaluationCellCounts[]
  }

  /** How many cells each evaluation has, for lists. */
  cellCounts(): Map<string, number> {
    const rows = this.db.prepare('SELECT evaluation_id AS id, COUNT(*) AS n FROM evaluation_cells GROUP BY evaluation_id').all() as { id: string; n: number }[]
    return new Map(rows.map((r) => [r.id, r.n]))
  }

  /**
   * Ends a running evaluation; one already ended (stopped by the user, or found orphaned) is left
   * as it is. `seenPid`: only while the process read then still owns it (recovery). Returns
   * whether it changed.
   */
  finishIfRunning(id: string, status: FinalEvaluationStatus, error: string | null, now = new Date(), seenPid?: number | null): boolean {
    const ownerClause = seenPid === undefined ? '' : ' AND pid IS @seenPid'
    return this.db
      .prepare(`UPDATE evaluations SET status = @status, error = @error, finished_at = @now, pid = NULL WHERE id = @id AND status = 'running'${ownerClause}`)
      .run({ id, status, error, now: now.toISOString(), seenPid: seenPid ?? null }).changes === 1
  }

  /** Removes an evaluation that is not running, and its cells (ON DELETE CASCADE). False when it is running or unknown. */
  deleteUnlessRunning(id: string): boolean {
    return this.db.prepare("DELETE FROM evaluations WHERE id = ? AND status != 'running'").run(id).changes === 1
  }

  private mustGet(id: string): EvaluationRecord {
    const record = this.get(id)
    if (!record) throw new Error(`evaluation ${id} vanished right after it was written`)
    return record
  }
}
