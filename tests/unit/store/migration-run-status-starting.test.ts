import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from 'better-sqlite3'
import { openDatabase, RunsRepo, schemaVersion } from '../../../main/store'
import { migrations } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => {
  temp = makeTempDir('status-starting-')
})
afterEach(() => temp.remove())

const BEFORE = migrations.findIndex((m) => m.name === 'run-status-starting')

/** A store at the version before the rebuild, with a queued run and a finished one that has rows in every table that refers to runs. */
function storeBeforeRebuild(path: string): void {
  const old = openDatabase(path, migrations.slice(0, BEFORE), { backupsDir: false })
  const insertRun = old.prepare(`INSERT INTO runs (id, name, config, status, created_at, resumed_from) VALUES (?, ?, '{}', ?, ?, ?)`)
  insertRun.run('done', 'done', 'completed', '2025-03-01T09:00:00.000Z', null)
  insertRun.run('waiting', 'waiting', 'queued', '2025-03-02T09:00:00.000Z', 'done')
  for (let step = 1; step <= 50; step++) old.prepare(`INSERT INTO metrics (run_id, name, step, value) VALUES ('done', 'loss', ?, ?)`).run(step, 1 / step)
  old.prepare(`INSERT INTO checkpoints (run_id, step, path, created_at) VALUES ('done', 50, '/x/step-50', '2025-03-01T10:00:00.000Z')`).run()
  old.prepare(`INSERT INTO exports (run_id, format, path, created_at) VALUES ('done', 'native', '/x/adapter', '2025-03-01T10:00:00.000Z')`).run()
  old.prepare(`INSERT INTO run_log (run_id, at, level, message) VALUES ('done', '2025-03-01T10:00:00.000Z', 'info', 'finished')`).run()
  old.close()
}

function count(db: Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
}

describe('migration run-status-starting (the runs table rebuilt)', () => {
  it("keeps every run and every row that refers to one, and names a run waiting for its process 'starting'", () => {
    const path = join(temp.dir, 'studio.db')
    storeBeforeRebuild(path)
    const db = openDatabase(path, migrations, { backupsDir: false })
    expect(schemaVersion(db)).toBe(migrations.length)
    const runs = new RunsRepo(db)
    expect(runs.get('waiting')).toMatchObject({ status: 'starting', resumedFrom: 'done' })
    expect(runs.get('done')).toMatchObject({ status: 'completed' })
    // Dropping the old table with foreign keys on would have cascade-deleted these.
    expect([count(db, 'metrics'), count(db, 'checkpoints'), count(db, 'exports'), count(db, 'run_log')]).toEqual([50, 1, 1, 1])
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('foreign_key_check')).toEqual([])
    db.close()
  })

  it('refuses the old status afterwards, and deleting a run still takes its rows with it', () => {
    const path = join(temp.dir, 'studio.db')
    storeBeforeRebuild(path)
    // As this migration left it: run-queue (0011) brings 'queued' back, for a real queue.
    const db = openDatabase(path, migrations.slice(0, BEFORE + 1), { backupsDir: false })
    expect(() => db.prepare(`UPDATE runs SET status = 'queued' WHERE id = 'done'`).run()).toThrow(/CHECK constraint failed/)
    db.prepare(`DELETE FROM runs WHERE id = 'done'`).run()
    expect([count(db, 'metrics'), count(db, 'checkpoints'), count(db, 'exports'), count(db, 'run_log')]).toEqual([0, 0, 0, 0])
    // The self-reference is still ON DELETE SET NULL.
    expect(new RunsRepo(db).get('waiting')?.resumedFrom).toBeNull()
    db.close()
  })

  it('makes the runs indexes again', () => {
    const path = join(temp.dir, 'studio.db')
    storeBeforeRebuild(path)
    const db = openDatabase(path, migrations, { backupsDir: false })
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name`).all() as { name: string }[]).map((r) => r.name)
    expect(indexes).toEqual(['runs_by_created', 'runs_by_status'])
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM runs WHERE status = 'running' ORDER BY created_at DESC`).all() as { detail: string }[]
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/runs_by_status/)
    db.close()
  })
})
