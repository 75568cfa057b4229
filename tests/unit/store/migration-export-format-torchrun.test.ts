// Migration 13 rebuilds the exports table so that a cluster job export (format torchrun) can be
// recorded: every earlier export stays, with its id, and the other formats are still refused.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ArtifactsRepo, openDatabase, schemaVersion } from '../../../main/store'
import { latestSchemaVersion, migrations } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => {
  temp = makeTempDir('export-format-migration-')
})
afterEach(() => temp.remove())

const BEFORE = migrations.findIndex((m) => m.name === 'export-format-torchrun')

describe('migration export-format-torchrun', () => {
  it('keeps every export and takes torchrun afterwards', () => {
    const path = join(temp.dir, 'studio.db')
    const old = openDatabase(path, migrations.slice(0, BEFORE), { backupsDir: false })
    old.prepare(`INSERT INTO runs (id, name, config, status, created_at) VALUES ('r1', 'run', '{}', 'completed', '2026-01-01T00:00:00.000Z')`).run()
    old.prepare(`INSERT INTO exports (id, run_id, format, path, created_at) VALUES (7, 'r1', 'peft', '/x/peft', '2026-01-02T00:00:00.000Z')`).run()
    expect(() => old.prepare(`INSERT INTO exports (run_id, format, path, created_at) VALUES ('r1', 'torchrun', '/x/job', '2026-01-03T00:00:00.000Z')`).run()).toThrow(/CHECK/)
    old.close()

    const db = openDatabase(path, migrations, { backupsDir: false })
    expect(schemaVersion(db)).toBe(latestSchemaVersion())
    const artifacts = new ArtifactsRepo(db)
    artifacts.addExport('r1', 'torchrun', '/x/job', new Date('2026-01-03T00:00:00.000Z'))
    expect(artifacts.listExports('r1').map((e) => [e.format, e.path])).toEqual(expect.arrayContaining([['peft', '/x/peft'], ['torchrun', '/x/job']]))
    expect((db.prepare('SELECT id FROM exports WHERE format = ?').get('peft') as { id: number }).id).toBe(7)
    expect(() => db.prepare(`INSERT INTO exports (run_id, format, path, created_at) VALUES ('r1', 'zip', '/x/z', '2026-01-03T00:00:00.000Z')`).run()).toThrow(/CHECK/)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'exports_by_run'").get()).toBeTruthy()
    db.pragma('foreign_keys = ON')
    db.prepare("DELETE FROM runs WHERE id = 'r1'").run()
    expect(artifacts.listExports('r1')).toEqual([])
    db.close()
  })
})
