import type { Database } from 'better-sqlite3'

/**
 * One schema step. `version` is the `PRAGMA user_version` the database has after `up`;
 * the runner wraps `up` and the version bump in one transaction.
 */
export interface Migration {
  version: number
  name: string
  up(db: Database): void
}
