import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { BACKUPS_KEPT, listBackups, openDatabase, openStore } from '../../../main/store'
import { backupFileName, parseBackupFileName } from '../../../main/store/backups'
import type { Migration } from '../../../main/store/migrations'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

const DAY = 24 * 60 * 60 * 1000
const start = new Date('2024-05-01T10:15:00Z')
const at = (ms: number) => () => new Date(start.getTime() + ms)

/** Migration n creates table t<n> and puts one row in it. */
const step = (version: number): Migration => ({
  version,
  name: `step-${version}`,
  up: (db) => db.exec(`CREATE TABLE t${version} (x); INSERT INTO t${version} VALUES (${version})`),
})
const steps = (n: number) => Array.from({ length: n }, (_, i) => step(i + 1))

function backupsFolder() {
  return join(temp.dir, 'backups')
}

function tablesIn(path: string): string[] {
  const db = new BetterSqlite3(path, { readonly: true })
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name)
  } finally {
    db.close()
  }
}

describe('backups of studio.db', () => {
  it('are named by UTC time and reason, and read back', () => {
    const name = backupFileName(start, 'pre-migration')
    expect(name).toBe('studio-20240501-101500-pre-migration.db')
    expect(parseBackupFileName(name)).toEqual({ createdAt: start, reason: 'pre-migration' })
    expect(parseBackupFileName('studio-20240501-101500-daily.db.123.tmp')).toBeNull()
    expect(parseBackupFileName('notes.db')).toBeNull()
  })

  it('are not made of a new, empty database', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    expect(listBackups(backupsFolder())).toEqual([])
  })

  it('take a copy before a migration of a database that holds data, at its old schema', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    openDatabase(path, steps(2), { now: at(60_000) }).close()

    const backups = listBackups(backupsFolder())
    expect(backups.map((backup) => backup.name)).toEqual(['studio-20240501-101600-pre-migration.db'])
    // The copy is the database as it was before step 2 ran, and a sound one.
    expect(tablesIn(backups[0].path)).toEqual(['t1'])
    const copy = new BetterSqlite3(backups[0].path, { readonly: true })
    expect(copy.pragma('user_version', { simple: true })).toBe(1)
    expect(copy.pragma('quick_check', { simple: true })).toBe('ok')
    copy.close()
    expect(tablesIn(path)).toEqual(['t1', 't2'])
  })

  it('take a daily copy at open once the newest is a day old, and none in between', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    openDatabase(path, steps(1), { now: at(1000) }).close()
    openDatabase(path, steps(1), { now: at(DAY / 2) }).close()
    expect(listBackups(backupsFolder()).map((backup) => backup.name)).toEqual(['studio-20240501-101501-daily.db'])
    openDatabase(path, steps(1), { now: at(DAY + 1000) }).close()
    expect(listBackups(backupsFolder()).map((backup) => backup.name)).toEqual(['studio-20240502-101501-daily.db', 'studio-20240501-101501-daily.db'])
  })

  it(`rotate: the newest ${BACKUPS_KEPT.daily} daily and ${BACKUPS_KEPT['pre-migration']} pre-migration copies are kept`, () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    // Six migrations a day apart: each makes a pre-migration copy (no daily one is then due).
    for (let version = 2; version <= 7; version++) openDatabase(path, steps(version), { now: at((version - 1) * DAY) }).close()
    // Then eight days without a migration: a daily copy each.
    for (let day = 7; day < 15; day++) openDatabase(path, steps(7), { now: at(day * DAY) }).close()

    const backups = listBackups(backupsFolder())
    const daily = backups.filter((backup) => backup.reason === 'daily')
    const preMigration = backups.filter((backup) => backup.reason === 'pre-migration')
    expect(daily.map((backup) => backup.name)).toEqual([14, 13, 12, 11, 10].map((day) => backupFileName(at(day * DAY)(), 'daily')))
    expect(preMigration.map((backup) => backup.name)).toEqual([6, 5, 4].map((day) => backupFileName(at(day * DAY)(), 'pre-migration')))
    // The pre-migration copy before step 7 holds steps 1..6.
    expect(tablesIn(preMigration[0].path)).toEqual(['t1', 't2', 't3', 't4', 't5', 't6'])
    // Nothing half-written is left behind.
    expect(readdirSync(backupsFolder()).sort()).toEqual(backups.map((backup) => backup.name).sort())
  })

  it('that cannot be written (the disk full, the folder a file) are reported, and the database opens anyway', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    const blocked = join(temp.dir, 'not-a-folder')
    writeFileSync(blocked, 'a file where the backups folder should be')
    const warnings: string[] = []
    const db = openDatabase(path, steps(2), { now: at(DAY), backupsDir: blocked, warn: (message) => warnings.push(message) })
    expect(db.pragma('user_version', { simple: true })).toBe(2)
    db.close()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`could not back up ${path} into ${blocked}`)
    expect(warnings[0]).toContain('It opens anyway')
  })

  it('leave files in the backups folder that are not theirs alone', () => {
    const path = join(temp.dir, 'studio.db')
    openDatabase(path, steps(1), { now: at(0) }).close()
    const folder = backupsFolder()
    for (let day = 1; day <= 7; day++) openDatabase(path, steps(1), { now: at(day * DAY) }).close()
    writeFileSync(join(folder, 'my-own-copy.db'), 'kept')
    openDatabase(path, steps(1), { now: at(9 * DAY) }).close()
    expect(readdirSync(folder)).toContain('my-own-copy.db')
  })

  it('are made by openStore in <data folder>/backups', () => {
    const store = openStore(temp.dir)
    store.runs.create({ name: 'kept', config: {}, method: 'mov' })
    store.close()
    openStore(temp.dir).close()
    const [backup] = listBackups(backupsFolder())
    expect(backup.reason).toBe('daily')
    const copy = new BetterSqlite3(backup.path, { readonly: true })
    expect(copy.prepare('SELECT name FROM runs').pluck().all()).toEqual(['kept'])
    copy.close()
  })
})
