import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from 'better-sqlite3'
import { openDatabase, RunsRepo, schemaVersion } from '../../../main/store'
import { latestSchemaVersion, migrations } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => {
  temp = makeTempDir('run-queue-migration-')
})
afterEach(() => temp.remove())

const BEFORE = migrations.findIndex((m) => m.name === 'run-queue')
const STATUSES = ['starting', 'running', 'completed', 'failed', 'cancelled', 'interrupted']

/** A store at the version before the queue, with a run in every status and rows in every table that refers to runs. */
function storeBeforeQueue(path: string): void {
  const old = openDatabase(path, migrations.slice(0, BEFORE), { backupsDir: false })
  const insertRun = old.prepare(`INSERT INTO runs (id, name, config, status, created_at, resumed_from, total_steps, best_step, trained_on) VALUES (?, ?, '{"device":"cpu"}', ?, ?, ?, 40, 20, 'cpu, float32')`)
  // The completed run first: the others name it as resumed_from.
  const completedFirst = ['completed', ...STATUSES.filter((s) => s !== 'completed')]
  completedFirst.forEach((status, i) => insertRun.run(status, `run ${status}`, status, `2025-03-0${i + 1}T09:00:00.000Z`, status === 'completed' ? null : 'completed'))
  for (let step = 1; step <= 30; step++) old.prepare(`INSERT INTO metrics (run_id, name, step, value) VALUES ('completed', 'loss', ?, ?)`).run(step, 1 / step)
  old.prepare(`INSERT INTO checkpoints (run_id, step, path, created_at) VALUES ('completed', 30, '/x/step-30', '2025-03-01T10:00:00.000Z')`).run()
  old.prepare(`INSERT INTO exports (run_id, format, path, created_at) VALUES ('completed', 'native', '/x/adapter', '2025-03-01T10:00:00.000Z')`).run()
  old.prepare(`INSERT INTO run_log (run_id, at, level, message) VALUES ('completed', '2025-03-01T10:00:00.000Z', 'info', 'finished')`).run()
  old.prepare(`INSERT INTO run_answers (run_id, step, prompt_index, prompt, answer) VALUES ('completed', 30, 0, 'Hi', 'Hello')`).run()
  old.close()
}

function count(db: Database, table: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
}

describe('migration run-queue (queued status, queue_position)', () => {
  it('keeps every run as it was, none of them queued, and every row that refers to one', () => {
    const path = join(temp.dir, 'studio.db')
    storeBeforeQueue(path)
    const db = openDatabase(path, migrations, { backupsDir: false })
    expect(schemaVersion(db)).toBe(latestSchemaVersion())
    const runs = new RunsRepo(db)
    for (const status of STATUSES) {
      expect(runs.get(status)).toMatchObject({ status, name: `run ${status}`, totalSteps: 40, bestStep: 20, trainedOn: 'cpu, float32', queuePosition: null, config: { device: 'cpu' } })
    }
    expect(runs.get('running')?.resumedFrom).toBe('completed')
    expect(runs.listQueued()).toEqual([])
    // Dropping the old table with foreign keys on would have cascade-deleted these.
    expect([count(db, 'metrics'), count(db, 'checkpoints'), count(db, 'exports'), count(db, 'run_log'), count(db, 'run_answers')]).toEqual([30, 1, 1, 1, 1])
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('foreign_key_check')).toEqual([])
    db.close()
  })

  it("takes 'queued' afterwards, refuses a queue position on a run that is not queued, and makes the indexes again", () => {
    const path = join(temp.dir, 'studio.db')
    storeBeforeQueue(path)
    const db = openDatabase(path, migrations, { backupsDir: false })
    db.prepare(`UPDATE runs SET status = 'queued', queue_position = 1 WHERE id = 'interrupted'`).run()
    expect(new RunsRepo(db).listQueued().map((r) => r.id)).toEqual(['interrupted'])
    expect(() => db.prepare(`UPDATE runs SET queue_position = 2 WHERE id = 'completed'`).run()).toThrow(/CHECK constraint failed/)
    expect(() => db.prepare(`UPDATE runs SET status = 'waiting' WHERE id = 'completed'`).run()).toThrow(/CHECK constraint failed/)
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs' AND sql IS NOT NULL ORDER BY name`).all() as { name: string }[]).map((r) => r.name)
    expect(indexes).toEqual(['runs_by_created', 'runs_by_status'])
    // Deleting a run still takes its rows with it, and the self-reference is still ON DELETE SET NULL.
    db.prepare(`DELETE FROM runs WHERE id = 'completed'`).run()
    expect([count(db, 'metrics'), count(db, 'checkpoints'), count(db, 'run_answers')]).toEqual([0, 0, 0])
    expect(new RunsRepo(db).get('running')?.resumedFrom).toBeNull()
    db.close()
  })
})
