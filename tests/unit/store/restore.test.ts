import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunConfig } from '../../../main/contract'
import { DatabaseCorruptError, listBackups, openStore, RestoreError, restoreBackup, type RestoreResult } from '../../../main/store'
import { isDatabaseInUse } from '../../../main/store/database-in-use'
import { listCheckpoints } from '../../../main/train/checkpoint'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { fillWithRuns, overwriteTablePageNearMiddle } from '../../helpers/damage-database'
import { trainRunsAroundBackup, type RunsAfterBackup } from './runs-after-backup'

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

describe('restoring a backup made before some runs', () => {
  let dir: ReturnType<typeof makeTempDir>
  let runs: RunsAfterBackup
  let result: RestoreResult
  const brokenJson = () => join(runs.home, 'runs', 'folder-with-broken-json')
  const invalidConfig = () => join(runs.home, 'runs', 'folder-with-invalid-config')
  const noConfig = () => join(runs.home, 'runs', 'folder-without-config')

  beforeAll(async () => {
    dir = makeTempDir('ms-restore-runs-')
    runs = await trainRunsAroundBackup(dir.dir)
    // Folders that are no run this version can register: cut short, a field it does not know, none at all.
    const finishedConfig = readFileSync(join(runFolder(runs.home, runs.finished.id), 'config.json'), 'utf8')
    mkdirSync(brokenJson())
    writeFileSync(join(brokenJson(), 'config.json'), finishedConfig.slice(0, 60))
    mkdirSync(invalidConfig())
    writeFileSync(join(invalidConfig(), 'config.json'), finishedConfig.replace('"device"', '"devise"'))
    mkdirSync(noConfig())
    result = restoreBackup(runs.home, { now: restoredAt })
  }, 180_000)
  afterAll(() => dir.remove())

  function withStore<T>(read: (store: ReturnType<typeof openStore>) => T): T {
    const store = openStore(runs.home, { openedBy: 'job' })
    try {
      return read(store)
    } finally {
      store.close()
    }
  }

  it('registers the runs recorded after it again from their folders, the finished one completed, the stopped one interrupted', () => {
    expect(result.replacedWasDamaged).toBe(true)
    expect(result.reregistered.runs.map(({ id, name, status }) => ({ id, name, status }))).toEqual(
      [
        { id: runs.finished.id, name: 'finished-after-the-backup', status: 'completed' },
        { id: runs.stopped.id, name: 'stopped-after-the-backup', status: 'interrupted' },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    )
    withStore((store) => {
      expect(store.runs.list({ limit: 100 }).map((run) => run.id).sort()).toEqual([runs.before, runs.finished.id, runs.stopped.id].sort())
      // The run the backup has stays as the backup has it, not registered a second time.
      expect(store.runs.get(runs.before)!.status).toBe('completed')
      expect(result.reregistered.runs.map((run) => run.id)).not.toContain(runs.before)

      const finished = store.runs.get(runs.finished.id)!
      const folder = runFolder(runs.home, runs.finished.id)
      const configFile = join(folder, 'config.json')
      expect(finished).toMatchObject({ status: 'completed', error: null, method: 'ia3', pid: null, trainedOn: 'not recorded (registered again from its folder after a restore)' })
      expect(finished.config).toEqual(RunConfig.parse(JSON.parse(readFileSync(configFile, 'utf8'))))
      expect(finished.createdAt).toBe(statSync(configFile).mtime.toISOString())
      expect(finished.finishedAt! >= finished.createdAt).toBe(true)
      expect(store.artifacts.listCheckpoints(runs.finished.id).map(({ step, path }) => ({ step, path }))).toEqual(listCheckpoints(join(folder, 'checkpoints')))
      expect(store.artifacts.listCheckpoints(runs.finished.id).map((c) => c.step)).toEqual([2, 4])
      expect(store.artifacts.listExports(runs.finished.id)).toEqual([expect.objectContaining({ format: 'native', path: join(folder, 'adapter') })])
      // Curves were only in the database: none come back, and the log says so.
      expect(store.metrics.names(runs.finished.id)).toEqual([])
      expect(store.runLog.list(runs.finished.id).map((line) => line.message)).toEqual([
        expect.stringMatching(/^registered again from its folder .* after studio\.db was restored from studio-\d{8}-\d{6}-daily\.db.*curves \(metrics\) and log lines .* are lost/),
      ])
    })
  })

  it('leaves the stopped run interrupted at its newest checkpoint, saying why and that it can be resumed', () => {
    withStore((store) => {
      const stopped = store.runs.get(runs.stopped.id)!
      expect(stopped.status).toBe('interrupted')
      expect(stopped.error).toBe(
        `registered again from its folder after studio.db was restored from ${result.backup.name}, a backup made before this run; ` +
          `its newest checkpoint is step ${runs.stopped.step} of 6: resume it to train on from there`,
      )
      const checkpoints = listCheckpoints(join(runFolder(runs.home, runs.stopped.id), 'checkpoints'))
      expect(checkpoints.map((c) => c.step)).toEqual([2, runs.stopped.step])
      expect(store.artifacts.listCheckpoints(runs.stopped.id).map(({ step, path }) => ({ step, path }))).toEqual(checkpoints)
      // It has no adapter of its own yet, so nothing is offered as one.
      expect(store.artifacts.listExports(runs.stopped.id)).toEqual([])
    })
  })

  it('skips, naming each and why, the folders without a usable config.json', () => {
    expect(result.reregistered.skipped).toEqual([
      { folder: brokenJson(), reason: expect.stringMatching(/^its config\.json is not a valid run configuration \(line \d+: /) },
      { folder: invalidConfig(), reason: expect.stringContaining('its config.json is not a valid run configuration (line ') },
      { folder: noConfig(), reason: "it has no config.json (a run's training writes one when it starts), so its configuration is unknown" },
    ])
    expect(result.reregistered.skipped[1].reason).toMatch(/devise: unknown field/)
    withStore((store) => {
      for (const id of ['folder-with-broken-json', 'folder-with-invalid-config', 'folder-without-config']) expect(store.runs.get(id)).toBeUndefined()
    })
  })

  it('registers them again when the same backup is restored again', () => {
    const again = restoreBackup(runs.home, { now: restoredAt })
    expect(again.replacedWasDamaged).toBe(false)
    expect(again.reregistered.runs.map((run) => [run.id, run.status])).toEqual(result.reregistered.runs.map((run) => [run.id, run.status]))
    withStore((store) => expect(store.runs.list({ limit: 100 })).toHaveLength(3))
  })
})
