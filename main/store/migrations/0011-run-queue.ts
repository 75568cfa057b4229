import type { Database } from 'better-sqlite3'
import type { Migration } from './migration'

// One training run at a time per device (docs/DESIGN.md "The run queue"): a run started while
// another holds its device waits as `queued`, in the order of queue_position, and starts by itself
// when the device frees. The status needs the runs table rebuilt (SQLite cannot change a CHECK
// constraint in place), as 0007 did: the same definition with the longer status list, every row
// copied as it is, the old table dropped, the copy renamed, its indexes made again. queue_position
// is null for every run that is not queued; a queued run keeps its number until it starts, and a
// later run takes a larger one, so the order survives a restart.
const STATUSES = ['queued', 'starting', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const

export const runQueue: Migration = {
  version: 11,
  name: 'run-queue',
  rebuildsTables: true,
  up(db) {
    const table = definitionOf(db, 'runs')
    const indexes = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL").all() as { sql: string }[]
    const statusList = STATUSES.map((s) => `'${s}'`).join(', ')
    const rebuilt = replaceOnce(replaceOnce(table, /^CREATE TABLE "?runs"?/, 'CREATE TABLE runs_rebuilt'), /CHECK \(status IN \([^)]*\)\)/, `CHECK (status IN (${statusList}))`)
    db.exec(rebuilt)
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('runs')`).all() as { name: string }[]).map((c) => `"${c.name}"`).join(', ')
    db.exec(`INSERT INTO runs_rebuilt (${columns}) SELECT ${columns} FROM runs`)
    db.exec(`DROP TABLE runs`)
    db.exec(`ALTER TABLE runs_rebuilt RENAME TO runs`)
    for (const { sql } of indexes) db.exec(sql)
    db.exec(`ALTER TABLE runs ADD COLUMN queue_position INTEGER CHECK (queue_position IS NULL OR status = 'queued')`)
  },
}

function definitionOf(db: Database, name: string): string {
  const row = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) as { sql: string } | undefined
  if (!row) throw new Error(`migration run-queue: the database has no table ${name}`)
  return row.sql
}

/** The shipped schema is known: a definition that does not match exactly once is a mistake, not something to guess around. */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  const matches = text.match(new RegExp(pattern.source, 'g' + pattern.flags.replace('g', '')))
  if (matches?.length !== 1) throw new Error(`migration run-queue: expected one ${pattern} in the runs table's definition, found ${matches?.length ?? 0}`)
  return text.replace(pattern, replacement)
}
