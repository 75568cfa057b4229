import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseCorruptError, listBackups, openDatabase, openStore } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'
import { fillWithRuns, overwriteTablePageNearMiddle } from '../../helpers/damage-database'
import { damagedDatabaseError } from '../../../main/store/damaged-database'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

/** A studio.db of a few hundred KB whose rows span many table pages. */
function storeWithRuns(count = 300): string {
  const store = openStore(temp.dir)
  fillWithRuns(store, count)
  store.close()
  return join(temp.dir, 'studio.db')
}

function openError(open: () => unknown): Error {
  try {
    open()
  } catch (error) {
    return error as Error
  }
  throw new Error('it opened')
}

describe('a damaged studio.db', () => {
  it('is refused at start when 4 KiB of rows in the middle are overwritten, and the file stays byte-identical', () => {
    const path = storeWithRuns()
    const { page } = overwriteTablePageNearMiddle(path)
    const damaged = readFileSync(path)
    expect(page).toBeGreaterThan(10)

    const error = openError(() => openStore(temp.dir))
    expect(error).toBeInstanceOf(DatabaseCorruptError)
    expect(error.message).toContain(`The database ${path} is damaged`)
    expect(error.message).toMatch(/SQLite's integrity check found/)
    expect(error.message).toContain('Nothing was opened for writing')
    expect(readFileSync(path).equals(damaged)).toBe(true)
    // The refusal comes before the writable open: a second try finds it just as it was.
    expect(() => openDatabase(path)).toThrow(DatabaseCorruptError)
    expect(readFileSync(path).equals(damaged)).toBe(true)
  })

  it('names the newest backup, its date and the exact command that restores it', () => {
    storeWithRuns()
    // Reopening a store that holds data makes its first daily backup.
    openStore(temp.dir).close()
    const [backup] = listBackups(join(temp.dir, 'backups'))
    expect(backup?.reason).toBe('daily')
    overwriteTablePageNearMiddle(join(temp.dir, 'studio.db'))

    const message = openError(() => openStore(temp.dir)).message
    const made = backup.createdAt.toISOString().slice(0, 16).replace('T', ' ')
    expect(message).toContain(`The newest backup is ${backup.name}, made ${made} UTC`)
    expect(message).toContain(`Restore it with: mixture-studio store restore ${backup.name} --home "${temp.dir}"`)
    expect(message).toContain('studio.db.damaged-<time>')
  })

  it('says there is no backup when none was made, and is never backed up itself', () => {
    const path = storeWithRuns()
    overwriteTablePageNearMiddle(path)
    const message = openError(() => openStore(temp.dir)).message
    expect(message).toContain(`There is no backup in ${join(temp.dir, 'backups')}`)
    // The open that found the damage would otherwise have made the first daily backup.
    expect(existsSync(join(temp.dir, 'backups')) ? readdirSync(join(temp.dir, 'backups')) : []).toEqual([])
  })

  it('never pushes good backups out of the rotation, however many days it is refused', () => {
    const path = storeWithRuns()
    const day = 24 * 60 * 60 * 1000
    const start = Date.now()
    for (let d = 0; d < 5; d++) openDatabase(path, undefined, { now: () => new Date(start + d * day) }).close()
    const good = listBackups(join(temp.dir, 'backups')).map((backup) => backup.name)
    expect(good).toHaveLength(5)
    overwriteTablePageNearMiddle(path)
    // Each of these days a daily backup is due, and a copy of the damaged file would rotate a good one out.
    for (let d = 10; d < 16; d++) {
      expect(() => openDatabase(path, undefined, { now: () => new Date(start + d * day) })).toThrow(DatabaseCorruptError)
    }
    expect(listBackups(join(temp.dir, 'backups')).map((backup) => backup.name)).toEqual(good)
  })

  it('found by a query of the opened store (past quick_check) does not claim it was never opened for writing', () => {
    const path = join(temp.dir, 'studio.db')
    expect(damagedDatabaseError(path, 'database disk image is malformed').message).toContain('Nothing was opened for writing')
    const later = damagedDatabaseError(path, 'database disk image is malformed', false).message
    expect(later).not.toContain('Nothing was opened for writing')
    expect(later).toContain('It has not been replaced or deleted')
  })
})
