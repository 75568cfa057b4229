import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseCorruptError, listBackups, openStore, RestoreError, restoreBackup } from '../../../main/store'
import { isDatabaseInUse } from '../../../main/store/database-in-use'
import { makeTempDir } from '../../helpers/temp-dir'
import { fillWithRuns, overwriteTablePageNearMiddle } from '../../helpers/damage-database'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir()))
afterEach(() => temp.remove())

const restoredAt = new Date('2030-01-02T03:04:05Z')

/** 300 runs, backed up (the reopen makes the daily copy), then 5 more runs the backup lacks. */
function backedUpStoreWithLaterRuns(): { backedUp: string[]; later: string[] } {
  const store = openStore(temp.dir)
  const backedUp = fillWithRuns(store, 300, 'kept')
  store.close()
  const reopened = openStore(temp.dir)
  const later = fillWithRuns(reopened, 5, 'later')
  reopened.close()
  expect(listBackups(join(temp.dir, 'backups'))).toHaveLength(1)
  return { backedUp, later }
}

function runIds(): string[] {
  const store = openStore(temp.dir)
  try {
    return store.runs.list({ limit: 10_000 }).map((run) => run.id).sort()
  } finally {
    store.close()
  }
}

describe('restoring a backup', () => {
  it('moves the damaged studio.db aside untouched and opens with the backup\'s data', () => {
    const { backedUp } = backedUpStoreWithLaterRuns()
    const path = join(temp.dir, 'studio.db')
    overwriteTablePageNearMiddle(path)
    const damaged = readFileSync(path)
    expect(() => openStore(temp.dir)).toThrow(DatabaseCorruptError)

    const result = restoreBackup(temp.dir, { now: restoredAt })
    expect(result.replacedWasDamaged).toBe(true)
    expect(result.movedAsideTo).toBe(`${path}.damaged-20300102-030405`)
    expect(readFileSync(result.movedAsideTo!).equals(damaged)).toBe(true)
    expect(runIds()).toEqual([...backedUp].sort())
    // The backup stays where it was, for another try.
    expect(existsSync(result.backup.path)).toBe(true)
  })

  it('moves the -wal and -shm beside the database with it', () => {
    backedUpStoreWithLaterRuns()
    const path = join(temp.dir, 'studio.db')
    // Not real WAL frames: what matters is that these exact files go, and none stays to be read with the backup.
    writeFileSync(`${path}-wal`, 'the old write-ahead log')
    writeFileSync(`${path}-shm`, 'the old shared memory')
    const { movedAsideTo } = restoreBackup(temp.dir, { now: restoredAt })
    expect(readFileSync(`${movedAsideTo}-wal`, 'utf8')).toBe('the old write-ahead log')
    // The -shm is SQLite's scratch index of the WAL, rebuilt by any reader: it moves, its bytes need not stay.
    expect(existsSync(`${movedAsideTo}-shm`)).toBe(true)
    expect(existsSync(`${path}-wal`)).toBe(false)
  })

  it('calls a sound database it replaces "replaced", not damaged, and never overwrites an earlier one', () => {
    backedUpStoreWithLaterRuns()
    const first = restoreBackup(temp.dir, { now: restoredAt })
    const second = restoreBackup(temp.dir, { now: restoredAt })
    expect(first.replacedWasDamaged).toBe(false)
    expect(first.movedAsideTo).toBe(join(temp.dir, 'studio.db.replaced-20300102-030405'))
    expect(second.movedAsideTo).toBe(join(temp.dir, 'studio.db.replaced-20300102-030405-2'))
  })

  it('refuses while another connection has the database open, changing nothing', () => {
    backedUpStoreWithLaterRuns()
    const path = join(temp.dir, 'studio.db')
    const live = openStore(temp.dir)
    try {
      expect(isDatabaseInUse(path)).toBe(true)
      expect(() => restoreBackup(temp.dir, { now: restoredAt })).toThrow(/is open in another Mixture Studio process/)
      expect(readdirSync(temp.dir).filter((name) => name.startsWith('studio.db.'))).toEqual([])
    } finally {
      live.close()
    }
    expect(isDatabaseInUse(path)).toBe(false)
  })

  it('refuses a damaged backup, an unknown name, and an empty backups folder', () => {
    backedUpStoreWithLaterRuns()
    const [backup] = listBackups(join(temp.dir, 'backups'))
    expect(() => restoreBackup(temp.dir, { backupName: 'studio-19990101-000000-daily.db' })).toThrow(/There is no backup studio-19990101-000000-daily.db/)

    overwriteTablePageNearMiddle(backup.path)
    const error = (() => {
      try {
        restoreBackup(temp.dir, { backupName: backup.name })
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error).toBeInstanceOf(RestoreError)
    expect(error?.message).toContain(`The backup ${backup.path} is damaged too`)
    expect(readdirSync(temp.dir).filter((name) => name.startsWith('studio.db.'))).toEqual([])

    const empty = makeTempDir()
    try {
      expect(() => restoreBackup(empty.dir)).toThrow(`There are no backups in ${join(empty.dir, 'backups')}`)
    } finally {
      empty.remove()
    }
  })
})
