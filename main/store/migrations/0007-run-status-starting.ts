import type { Database } from 'better-sqlite3'
import type { Migration } from './migration'

// A run was `queued` from the moment it was started or resumed until its training process marked
// it running. Nothing ever waited in a queue: the state is a process on its way, and the pages said
// "queued" for a run that was about to train. It is now `starting`, a name that says what it is
// and leaves `queued` free for a real queue of runs. SQLite cannot change a CHECK constraint in
// place, so the runs table is rebuilt: copied into a table of the same definition with the new
// status list, the old one dropped, the copy renamed, its indexes made again.
const STATUSES = ['starting', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const

export const runStatusStarting: Migration = {
  version: 7,
  name: 'run-status-starting',
  rebuildsTables: true,
  up(db) {
    const table = definitionOf(db, 'table', 'runs')
    const indexes = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL").all() as { sql: string }[]
    const statusList = STATUSES.map((s) => `'${s}'`).join(', ')
    const rebuilt = replaceOnce(
      replaceOnce(replaceOnce(table, /^CREATE TABLE "?runs"?/, 'CREATE TABLE runs_rebuilt'), /DEFAULT 'queued'/, `DEFAULT 'starting'`),
      /CHECK \(status IN \([^)]*\)\)/,
      `CHECK (status IN (${statusList}))`,
    )
    db.exec(rebuilt)
    // Every column as it was, but a queued run's status (the new CHECK refuses the old name).
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('runs')`).all() as { name: string }[]).map((c) => `"${c.name}"`)
    const values = columns.map((c) => (c === '"status"' ? `CASE status WHEN 'queued' THEN 'starting' ELSE status END` : c))
    db.exec(`INSERT INTO runs_rebuilt (${columns.join(', ')}) SELECT ${values.join(', ')} FROM runs`)
    db.exec(`DROP TABLE runs`)
    db.exec(`ALTER TABLE runs_rebuilt RENAME TO runs`)
    for (const { sql } of indexes) db.exec(sql)
  },
}

function definitionOf(db: Database, type: 'table', name: string): string {
  const row = db.prepare('SELECT sql FROM sqlite_master WHERE type = ? AND name = ?').get(type, name) as { sql: string } | undefined
  if (!row) throw new Error(`migration run-status-starting: the database has no ${type} ${name}`)
  return row.sql
}

/** The shipped schema is known: a definition that does not match exactly once is a mistake, not something to guess around. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, 'g' + pattern.flags.replace('g', '')))
  if (matches?.length !== 1) throw new Error(`migration run-status-starting: expected one ${pattern} in the runs table's definition, found ${matches?.length ?? 0}`)
  return text.replace(pattern, replacement)
}
