import type { Database } from 'better-sqlite3'

export type RunLogLevel = 'info' | 'warn' | 'error'

export interface RunLogLine {
  /** Increasing within a database: a reader asks for the lines after the last one it has. */
  id: number
  at: string
  level: RunLogLevel
  message: string
}

/** The newest lines a run keeps: a long run must not grow the database without bound. */
export const RUN_LOG_MAX_LINES = 2000
/** A longer message (a stack, a stderr dump) keeps its start and says how much was cut. */
export const RUN_LOG_MAX_MESSAGE_CHARS = 4000

export class RunLogRepo {
  constructor(
    private readonly db: Database,
    private readonly maxLines = RUN_LOG_MAX_LINES,
  ) {}

  /** Appends one line and drops the run's lines beyond the newest `maxLines`. */
  append(runId: string, level: RunLogLevel, message: string, now = new Date()): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO run_log (run_id, at, level, message) VALUES (?, ?, ?, ?)').run(runId, now.toISOString(), level, capMessage(message))
      const oldestKept = this.db
        .prepare('SELECT id FROM run_log WHERE run_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
        .pluck()
        .get(runId, this.maxLines - 1) as number | undefined
      if (oldestKept !== undefined) this.db.prepare('DELETE FROM run_log WHERE run_id = ? AND id < ?').run(runId, oldestKept)
    })()
  }

  /** The newest `limit` lines (all kept ones when omitted) after line `afterId`, oldest first. */
  list(runId: string, options: { afterId?: number; limit?: number } = {}): RunLogLine[] {
    const rows = this.db
      .prepare('SELECT id, at, level, message FROM run_log WHERE run_id = ? AND id > ? ORDER BY id DESC LIMIT ?')
      .all(runId, options.afterId ?? 0, options.limit ?? this.maxLines) as RunLogLine[]
    return rows.reverse()
  }

  /** Lines the run has kept (up to `maxLines`). */
  count(runId: string): number {
    return this.db.prepare('SELECT count(*) FROM run_log WHERE run_id = ?').pluck().get(runId) as number
  }
}

function capMessage(message: string): string {
  if (message.length <= RUN_LOG_MAX_MESSAGE_CHARS) return message
  return `${message.slice(0, RUN_LOG_MAX_MESSAGE_CHARS)} … (${message.length - RUN_LOG_MAX_MESSAGE_CHARS} more characters cut)`
}
