import type { Database } from 'better-sqlite3'

// What a run leaves on disk: checkpoints while it trains, exports afterwards.

export type ExportFormat = 'native' | 'peft' | 'onnx' | 'merged' | 'torchrun'

export interface CheckpointRecord {
  runId: string
  step: number
  path: string
  createdAt: string
}

export interface ExportRecord {
  runId: string
  format: ExportFormat
  path: string
  createdAt: string
}

export class ArtifactsRepo {
  constructor(private readonly db: Database) {}

  addCheckpoint(runId: string, step: number, path: string, now = new Date()): CheckpointRecord {
    const record = { runId, step, path, createdAt: now.toISOString() }
    this.db
      .prepare('INSERT INTO checkpoints (run_id, step, path, created_at) VALUES (?, ?, ?, ?)')
      .run(runId, step, path, record.createdAt)
    return record
  }

  /** Records a checkpoint; one written again at the same step (a resumed run repeating it) replaces the row. */
  putCheckpoint(runId: string, step: number, path: string, now = new Date()): CheckpointRecord {
    const record = { runId, step, path, createdAt: now.toISOString() }
    this.db
      .prepare('INSERT INTO checkpoints (run_id, step, path, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, step) DO UPDATE SET path = excluded.path, created_at = excluded.created_at')
      .run(runId, step, path, record.createdAt)
    return record
  }

  /** Forgets checkpoints whose folders were pruned. */
  removeCheckpoints(runId: string, paths: readonly string[]): void {
    const remove = this.db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND path = ?')
    this.db.transaction(() => {
      for (const path of paths) remove.run(runId, path)
    })()
  }

  listCheckpoints(runId: string): CheckpointRecord[] {
    const rows = this.db.prepare('SELECT run_id, step, path, created_at FROM checkpoints WHERE run_id = ? ORDER BY step').all(runId) as {
      run_id: string
      step: number
      path: string
      created_at: string
    }[]
    return rows.map((row) => ({ runId: row.run_id, step: row.step, path: row.path, createdAt: row.created_at }))
  }

  /** Every run's checkpoints, for start-up reconciliation with the disk. */
  listAllCheckpoints(): CheckpointRecord[] {
    const rows = this.db.prepare('SELECT run_id, step, path, created_at FROM checkpoints ORDER BY run_id, step').all() as {
      run_id: string
      step: number
      path: string
      created_at: string
    }[]
    return rows.map((row) => ({ runId: row.run_id, step: row.step, path: row.path, createdAt: row.created_at }))
  }

  /** Where a resumed run starts from. */
  latestCheckpoint(runId: string): CheckpointRecord | undefined {
    const row = this.db
      .prepare('SELECT run_id, step, path, created_at FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1')
      .get(runId) as { run_id: string; step: number; path: string; created_at: string } | undefined
    return row && { runId: row.run_id, step: row.step, path: row.path, createdAt: row.created_at }
  }

  addExport(runId: string, format: ExportFormat, path: string, now = new Date()): ExportRecord {
    const record = { runId, format, path, createdAt: now.toISOString() }
    this.db
      .prepare('INSERT INTO exports (run_id, format, path, created_at) VALUES (?, ?, ?, ?)')
      .run(runId, format, path, record.createdAt)
    return record
  }

  listExports(runId: string): ExportRecord[] {
    const rows = this.db
      .prepare('SELECT run_id, format, path, created_at FROM exports WHERE run_id = ? ORDER BY created_at, id')
      .all(runId) as { run_id: string; format: ExportFormat; path: string; created_at: string }[]
    return rows.map((row) => ({ runId: row.run_id, format: row.format, path: row.path, createdAt: row.created_at }))
  }
}
