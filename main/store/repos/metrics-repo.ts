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

  names(runId: string): string[] {
    return (this.db.prepare('SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name').all(runId) as {
      name: string
    }[]).map((row) => row.name)
  }
}

/** Exported so a test can assert its query plan stays an index range scan. */
export const curveSql = 'SELECT step, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step'
