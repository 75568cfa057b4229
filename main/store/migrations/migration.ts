import type { Database } from 'better-sqlite3'

/**
 * One schema step. `version` is the `PRAGMA user_version` the database has after `up`;
 * the runner wraps `up` and the version bump in one transaction.
 */
export interface Migration {
  version: number
  name: string
  up(db: Database): void
  /**
   * The step rebuilds a table (SQLite cannot change a CHECK constraint in place). Foreign keys
   * are then switched off around its transaction, as SQLite's documented procedure requires:
   * with them on, dropping the old table would cascade-delete every row that refers to it (a
   * run's metrics, checkpoints and exports). The runner checks `foreign_key_check` before it commits.
   */
  rebuildsTables?: boolean
}
