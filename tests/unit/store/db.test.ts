import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { DatabaseCorruptError, DatabaseTooNewError, openDatabase, schemaVersion, StoreLocationError } from '../../../main/store'
import { checkMigrationList, latestSchemaVersion, migrations, type Migration } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

function tableNames(db: BetterSqlite3.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (row) => row.name,
  )
}

describe('openDatabase', () => {
  it('creates a fresh database at the latest schema with WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(join(temp.dir, 'studio.db'))
    expect(schemaVersion(db)).toBe(latestSchemaVersion())
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0)
    expect(tableNames(db)).toEqual(['checkpoints', 'dataset_token_caches', 'datasets', 'evaluation_cells', 'evaluations', 'exports', 'imported_jobs', 'metrics', 'models', 'run_answers', 'run_log', 'runs'])
    db.close()
  })

  it('reopens an up-to-date database without running migrations again', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path).close()
    const db = openDatabase(path)
    expect(schemaVersion(db)).toBe(latestSchemaVersion())
    db.close()
  })

  it('applies only the migrations newer than the file, each setting user_version', () => {
    const path = join(temp.dir, 'studio.db')
    const applied: number[] = []
    const step = (version: number): Migration => ({
      version,
      name: `step-${version}`,
      up: (db) => {
        applied.push(version)
        db.exec(`CREATE TABLE t${version} (x)`)
      },
    })
    openDatabase(path, [step(1)]).close()
    const db = openDatabase(path, [step(1), step(2), step(3)])
    expect(applied).toEqual([1, 2, 3])
    expect(schemaVersion(db)).toBe(3)
    db.close()
  })

  it('rolls back a failing migration together with its version bump', () => {
    const path = join(temp.dir, 'studio.db')
    const broken: Migration = {
      version: 1,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x)')
        throw new Error('boom')
      },
    }
    expect(() => openDatabase(path, [broken])).toThrow('boom')
    const raw = new BetterSqlite3(path)
    expect(raw.pragma('user_version', { simple: true })).toBe(0)
    expect(tableNames(raw)).toEqual([])
    raw.close()
  })

  it('refuses a database from a newer version and leaves it byte-for-byte untouched', () => {
    const path = join(temp.dir, 'studio.db')
    const future = new BetterSqlite3(path)
    future.exec('CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1)')
    future.pragma('user_version = 999')
    future.close()
    const before = readFileSync(path)

    let error: unknown
    try {
      openDatabase(path)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(DatabaseTooNewError)
    const message = (error as Error).message
    expect(message).toContain(path)
    expect(message).toContain('999')
    expect(message).toContain(`up to ${latestSchemaVersion()}`)
    expect(message).toContain('upgrade Mixture Studio')
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('reports a file that is not a SQLite database with its path and does not overwrite it', () => {
    const path = join(temp.dir, 'studio.db')
    const content = 'these are my precious notes, not a database\n'.repeat(50)
    writeFileSync(path, content)
    expect(() => openDatabase(path)).toThrow(DatabaseCorruptError)
    expect(() => openDatabase(path)).toThrow(path)
    expect(readFileSync(path, 'utf8')).toBe(content)
  })

  it('reports a malformed SQLite file with its path and does not overwrite it', () => {
    const path = join(temp.dir, 'studio.db')
    const good = new BetterSqlite3(path)
    good.pragma('journal_mode = DELETE')
    good.exec('CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT)')
    good.close()
    // Keep the 100-byte header, smash the schema that follows it on page 1.
    const bytes = readFileSync(path)
    bytes.fill(0xab, 100, 4096)
    writeFileSync(path, bytes)

    let error: unknown
    try {
      openDatabase(path)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(DatabaseCorruptError)
    expect((error as Error).message).toContain(path)
    expect((error as Error).message).toMatch(/malformed|not a database/)
    expect(readFileSync(path).equals(bytes)).toBe(true)
  })

  it('reports a studio.db that is a folder by name, instead of failing to read it', () => {
    const path = join(temp.dir, 'studio.db')
    mkdirSync(path)
    writeFileSync(join(path, 'inside.txt'), 'kept')
    expect(() => openDatabase(path)).toThrow(StoreLocationError)
    expect(() => openDatabase(path)).toThrow(`${path} is a folder, but Mixture Studio keeps its database in a file of that name`)
    expect(readdirSync(path)).toEqual(['inside.txt'])
  })
})

describe('migration list', () => {
  it('is numbered 1..N in order', () => {
    expect(() => checkMigrationList(migrations)).not.toThrow()
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1))
  })

  it('rejects a list with a gap or a wrong order', () => {
    const m = (version: number): Migration => ({ version, name: `m${version}`, up: () => {} })
    expect(() => checkMigrationList([m(1), m(3)])).toThrow(/entry 1 is version 3/)
    expect(() => checkMigrationList([m(2), m(1)])).toThrow(/out of order/)
  })
})
