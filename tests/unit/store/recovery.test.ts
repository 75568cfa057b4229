import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { currentBootTimeMs, HEARTBEAT_LEASE_MS, liveProcessProbe, markOrphanedRunsInterrupted, openStore, type ProcessProbe, type Store } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'
import { useLiveChildren } from '../../helpers/live-child'

const liveChild = useLiveChildren()

let temp: ReturnType<typeof makeTempDir>
let store: Store
beforeEach(() => {
  temp = makeTempDir()
  store = openStore(temp.dir)
})
afterEach(() => {
  store.close()
  temp.remove()
})

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0'])
  return child.pid as number
}

describe('start-up recovery', () => {
  it('marks a running run whose process died as interrupted, saying why', () => {
    const run = store.runs.create({ name: 'crashed', config: {} })
    const pid = deadPid()
    store.runs.markRunning(run.id, { pid, bootTimeMs: currentBootTimeMs() })

    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([run.id])
    const after = store.runs.get(run.id)
    expect(after?.status).toBe('interrupted')
    expect(after?.error).toContain(`process ${pid} ended`)
    expect(after?.error).toContain('Resume')
    expect(after?.finishedAt).not.toBeNull()
  })

  it('leaves a run alone while its process is alive in this boot', () => {
    const run = store.runs.create({ name: 'live', config: {} })
    store.runs.markRunning(run.id, { pid: process.pid, bootTimeMs: currentBootTimeMs() })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([])
    expect(store.runs.get(run.id)?.status).toBe('running')
  })

  it('marks a run from an earlier boot interrupted even if its pid is in use now', () => {
    const run = store.runs.create({ name: 'before-reboot', config: {} })
    store.runs.markRunning(run.id, { pid: process.pid, bootTimeMs: currentBootTimeMs() - 3 * 86_400_000 })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([run.id])
    expect(store.runs.get(run.id)?.error).toContain('restarted')
  })

  it('runs when the store opens', () => {
    const run = store.runs.create({ name: 'crashed', config: {} })
    store.runs.markRunning(run.id, { pid: deadPid(), bootTimeMs: currentBootTimeMs() })
    store.close()
    store = openStore(temp.dir)
    expect(store.recoveredRunIds).toEqual([run.id])
    expect(store.runs.get(run.id)?.status).toBe('interrupted')
  })

  it('marks a run interrupted when its pid now names a live process that started at another time (a reused pid)', () => {
    const run = store.runs.create({ name: 'pid reused', config: {} })
    const other = liveChild()
    // The run's own process had this pid once, and started earlier than the program that has it now.
    store.runs.markRunning(run.id, { pid: other.pid, bootTimeMs: currentBootTimeMs(), startedAt: String(Number(other.startedAt) - 500) })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([run.id])
    expect(store.runs.get(run.id)).toMatchObject({ status: 'interrupted', pid: null })
    expect(store.runs.get(run.id)?.error).toContain(`process id ${other.pid} now belongs to another program`)
  })

  it('leaves a run alone while a live process with its pid and start time trains it', () => {
    const run = store.runs.create({ name: 'trained elsewhere', config: {} })
    const trainer = liveChild()
    store.runs.markRunning(run.id, { pid: trainer.pid, bootTimeMs: currentBootTimeMs(), startedAt: trainer.startedAt })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([])
    expect(store.runs.get(run.id)).toMatchObject({ status: 'running', pid: trainer.pid })
  })

  it('where no start time can be read, trusts a live pid only while the run\'s heartbeat is fresh', () => {
    const run = store.runs.create({ name: 'no /proc', config: {} })
    const trainer = liveChild()
    store.runs.markRunning(run.id, { pid: trainer.pid, bootTimeMs: currentBootTimeMs(), startedAt: null })
    const noStartTimes: ProcessProbe = { ...liveProcessProbe, startOf: () => ({ state: 'unknown' }) }
    expect(markOrphanedRunsInterrupted(store.runs, noStartTimes)).toEqual([])
    const later: ProcessProbe = { ...noStartTimes, nowMs: () => Date.now() + HEARTBEAT_LEASE_MS + 60_000 }
    expect(markOrphanedRunsInterrupted(store.runs, later)).toEqual([run.id])
    expect(store.runs.get(run.id)?.error).toContain(`Its process ${trainer.pid} has not reported for over 15 minutes`)
  })

  it('marks a queued run interrupted when the process that queued it was killed before its training began', () => {
    const run = store.runs.create({ name: 'queued forever', config: {} }, new Date(), { pid: deadPid(), bootTimeMs: currentBootTimeMs(), startedAt: null })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([run.id])
    const after = store.runs.get(run.id)
    expect(after?.status).toBe('interrupted')
    expect(after?.error).toMatch(/ended without reporting before the run's training began \(found at start-up\)\. Resume it/)
  })

  it('marks a queued run recorded without a process (before this version) interrupted', () => {
    const run = store.runs.create({ name: 'old queued', config: {} })
    store.db.prepare('UPDATE runs SET pid = NULL, boot_time_ms = NULL, process_started_at = NULL WHERE id = ?').run(run.id)
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([run.id])
    expect(store.runs.get(run.id)?.error).toContain('Its process was never recorded')
  })

  it('leaves a queued run alone while the live process that queued it starts its training', () => {
    const run = store.runs.create({ name: 'starting', config: {} })
    expect(run).toMatchObject({ status: 'starting', pid: process.pid })
    expect(markOrphanedRunsInterrupted(store.runs)).toEqual([])
    store.close()
    store = openStore(temp.dir)
    expect(store.runs.get(run.id)?.status).toBe('starting')
  })
})
