import type { Database } from 'better-sqlite3'
import { isCorruptionError } from './errors'

const PROBLEMS_LISTED = 10

/**
 * What SQLite's quick_check finds wrong with an open database; empty when it is sound.
 * quick_check reads every page of every table and index (but skips comparing indexes with
 * their tables, which integrity_check does at several times the cost), so a page overwritten
 * anywhere in the file is found. On a large store it takes a few seconds: it runs once at start.
 */
export function integrityProblems(db: Database): string[] {
  try {
    const rows = db.pragma(`quick_check(${PROBLEMS_LISTED})`) as { quick_check: string }[]
    return rows.map((row) => row.quick_check).filter((text) => text !== 'ok')
  } catch (error) {
    // Damage bad enough stops the check itself with SQLITE_CORRUPT: that is a finding too.
    if (isCorruptionError(error)) return [error.message]
    throw error
  }
}

/** One line for an error message: the first problem, and how many more there are. */
export function describeIntegrityProblems(problems: readonly string[]): string {
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : ''
  return `SQLite's integrity check found "${problems[0]}"${more}`
}
