// Pruning old checkpoints never leaves the store naming a folder that is gone: the store forgets
// them first, the folders go after, and start-up forgets rows an older order (or a hand) left.
// Nor does it leave half a checkpoint under a checkpoint's name: a folder is renamed before it
// is deleted.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createServices } from '../../../main/services'
import { openStore, type Store } from '../../../main/store'
import { checkpointPath, listCheckpoints, pruneCheckpoints, readCheckpoint, STATE_FILE, writeCheckpoint } from '../../../main/train/checkpoint'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { tinyCheckpoint } from './tiny-checkpoint'

let temp: ReturnType<typeof makeTempDir>
let store: Store
let runId: string
let checkpointsDir: string

beforeEach(() => {
  temp = makeTempDir('ms-prune-')
  store = openStore(temp.dir)
  runId = store.runs.create({ name: 'r', config: {} }).id
  checkpointsDir = join(runFolder(temp.dir, runId), 'checkpoints')
})
afterEach(() => {
  store.close()
  temp.remove()
})

/** A complete step-N folder (listCheckpoints needs its state file) and its row, as a run leaves them. */
function savedCheckpoint(step: number): string {
  const path = checkpointPath(checkpointsDir, step)
  mkdirSync(path, { recursive: true })
  writeFileSync(join(path, STATE_FILE), JSON.stringify({ version: 1, step }))
  store.artifacts.putCheckpoint(runId, step, path)
  return path
}

/** What `runs show` and a resume may rely on: every recorded checkpoint exists. */
function rowsNamingMissingFolders(): string[] {
  return store.artifacts.listCheckpoints(runId).map((c) => c.path).filter((path) => !existsSync(path))
}

const forgetInStore = (paths: string[]) => store.artifacts.removeCheckpoints(runId, paths)

describe('checkpoint pruning order', () => {
  it('never removes a protected checkpoint (the run\'s best), however old', () => {
    const paths = [1, 2, 3, 4, 5, 6].map(savedCheckpoint)
    expect(pruneCheckpoints(checkpointsDir, 3, [6, 2], { forget: forgetInStore })).toEqual([paths[0], paths[2]])
    expect(listCheckpoints(checkpointsDir).map((c) => c.step)).toEqual([2, 4, 5, 6])
    expect(rowsNamingMissingFolders()).toEqual([])
  })

  it('forgets pruned checkpoints in the store before deleting their folders', () => {
    const paths = [1, 2, 3, 4, 5].map(savedCheckpoint)
    const seen: { path: string; rows: number }[] = []
    const removed = pruneCheckpoints(checkpointsDir, 3, [5], {
      forget: forgetInStore,
      removeFolder: (path) => {
        seen.push({ path: basename(path), rows: store.artifacts.listCheckpoints(runId).length })
        rmSync(path, { recursive: true })
      },
    })
    expect(removed).toEqual(paths.slice(0, 2))
    // Each folder went only once its row was gone (renamed out of the way first).
    expect(seen).toEqual([{ path: `.tmp-pruned-step-1-${process.pid}`, rows: 3 }, { path: `.tmp-pruned-step-2-${process.pid}`, rows: 3 }])
    expect(store.artifacts.listCheckpoints(runId).map((c) => c.step)).toEqual([3, 4, 5])
    expect(rowsNamingMissingFolders()).toEqual([])
  })

  it('a folder delete that fails leaves a .tmp- folder no row names, never a row naming a missing folder; the next checkpoint write clears it', () => {
    const paths = [1, 2, 3, 4].map(savedCheckpoint)
    expect(() => pruneCheckpoints(checkpointsDir, 3, [4], { forget: forgetInStore, removeFolder: () => { throw new Error('EBUSY: resource busy') } })).toThrow('EBUSY')
    expect(rowsNamingMissingFolders()).toEqual([])
    expect(readdirSync(checkpointsDir).sort()).toEqual([`.tmp-pruned-step-1-${process.pid}`, 'step-2', 'step-3', 'step-4'])
    expect(store.artifacts.listCheckpoints(runId).map((c) => c.step)).toEqual([2, 3, 4])

    store.artifacts.putCheckpoint(runId, 5, writeCheckpoint(checkpointsDir, tinyCheckpoint(5)))
    expect(pruneCheckpoints(checkpointsDir, 3, [5], { forget: forgetInStore })).toEqual([paths[1]])
    expect(readdirSync(checkpointsDir).sort()).toEqual(['step-3', 'step-4', 'step-5'])
    expect(rowsNamingMissingFolders()).toEqual([])
  })

  // rm -r deletes a folder's files one at a time; a kill part-way left step-N with some of them.
  it.each([
    { left: 'its state file', keeps: (name: string) => name === STATE_FILE },
    { left: 'all but its state file', keeps: (name: string) => name !== STATE_FILE },
  ])('a kill while a pruned folder is being deleted (leaving $left) leaves no half checkpoint named step-N; the next write clears it', ({ keeps }) => {
    for (const step of [1, 2, 3, 4]) store.artifacts.putCheckpoint(runId, step, writeCheckpoint(checkpointsDir, tinyCheckpoint(step)))
    const killedPartWay = (path: string) => {
      for (const name of readdirSync(path)) if (!keeps(name)) rmSync(join(path, name))
      throw new Error('killed')
    }
    expect(() => pruneCheckpoints(checkpointsDir, 3, [4], { forget: forgetInStore, removeFolder: killedPartWay })).toThrow('killed')

    // What resume and the app look at: complete checkpoints only, each one readable.
    const listed = listCheckpoints(checkpointsDir)
    expect(listed.map((c) => c.step)).toEqual([2, 3, 4])
    for (const { step, path } of listed) expect(readCheckpoint(path).state.step).toBe(step)
    expect(rowsNamingMissingFolders()).toEqual([])
    // Its space is freed by the next write: nothing of step 1 stays behind.
    writeCheckpoint(checkpointsDir, tinyCheckpoint(5))
    expect(readdirSync(checkpointsDir).sort()).toEqual(['step-2', 'step-3', 'step-4', 'step-5'])
  })

  it('a process that dies while the store forgets (a kill at that instant) has deleted no folder', () => {
    const paths = [1, 2, 3, 4].map(savedCheckpoint)
    expect(() => pruneCheckpoints(checkpointsDir, 3, [4], { forget: () => { throw new Error('killed') } })).toThrow('killed')
    expect(paths.every((path) => existsSync(path))).toBe(true)
    expect(rowsNamingMissingFolders()).toEqual([])
  })
})

describe('start-up checkpoint reconciliation', () => {
  it('forgets rows whose folders are gone (what a kill between deleting and forgetting left), notes it in the run log, and leaves unrecorded folders alone', async () => {
    const paths = [1, 2, 3, 4].map(savedCheckpoint)
    // The old order deleted the pruned folders first; a kill before the store update left their rows.
    rmSync(paths[0], { recursive: true })
    rmSync(paths[1], { recursive: true })
    // A checkpoint folder the store does not know (a kill after forgetting, before deleting) is the user's data.
    const unrecorded = checkpointPath(checkpointsDir, 0)
    mkdirSync(unrecorded, { recursive: true })
    store.close()

    const services = createServices({ dataDir: temp.dir })
    try {
      expect(services.store.artifacts.listCheckpoints(runId).map((c) => c.step)).toEqual([3, 4])
      expect(existsSync(unrecorded)).toBe(true)
      const log = services.store.runLog.list(runId, {}).map((line) => line.message)
      expect(log).toEqual([
        `checkpoint at step 1 forgotten: its folder ${paths[0]} is gone (found at start-up)`,
        `checkpoint at step 2 forgotten: its folder ${paths[1]} is gone (found at start-up)`,
      ])
    } finally {
      await services.close()
      store = openStore(temp.dir)
    }
  })
})
