import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { currentBootTimeMs, markOrphanedRunsInterrupted, openStore, type Store } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'

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
})
