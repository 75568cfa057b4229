import type { Database } from 'better-sqlite3'

export interface MetricPoint {
  step: number
  value: number
}

export interface MetricSample extends MetricPoint {
  name: string
}

export class MetricsRepo {
  constructor(private readonly db: Database) {}

  /**
   * Records a batch of samples in one transaction. A step logged again (a resumed run
   * repeating steps after its last checkpoint) replaces the earlier value.
   */
  append(runId: string, samples: readonly MetricSample[]): void {
    const insert = this.db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)',
    )
    this.db.transaction(() => {
      for (const sample of samples) insert.run(runId, sample.name, sample.step, sample.value)
    })()
  }

  /** One metric of one run, by step: what a chart draws. */
  curve(runId: string, name: string): MetricPoint[] {
    return this.db.prepare(curveSql).all(runId, name) as MetricPoint[]
  }

  /** Points after `sinceStep` (for polling a live curve). */
  curveSince(runId: string, name: string, sinceStep: number): MetricPoint[] {
    return this.db.prepare('SELECT step, value FROM metrics WHERE run_id = ? AND name = ? AND step > ? ORDER BY step').all(runId, name, sinceStep) as MetricPoint[]
  }

  /** The newest point of every metric of a run. */
  latest(runId: string): Record<string, MetricPoint> {
    const rows = this.db
      .prepare('SELECT name, step, value FROM metrics m WHERE run_id = ? AND step = (SELECT max(step) FROM metrics WHERE run_id = m.run_id AND name = m.name)')
      .all(runId) as MetricSample[]
    return Object.fromEntries(rows.map((r) => [r.name, { step: r.step, value: r.value }]))
  }

  names(runId: string): string[] {
    return (this.db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as {
      name: string
    }[]).map((row) => row.name)
  }
}

/** Exported so a test can assert its query plan stays an index range scan. */
export const curveSql = 'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step'
