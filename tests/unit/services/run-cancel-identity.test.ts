// Cancel of a run that no job of this studio trains (`mixture-studio train`, another studio, or
// a process that died unseen): only a process proven to be the run's own (its pid AND its start
// time) is signalled. A pid alone may name an unrelated program by now.
import { describe, expect, it } from 'vitest'
import { currentBootTimeMs } from '../../../main/store'
import { useLiveChildren } from '../../helpers/live-child'
import { useTempServices } from '../../helpers/temp-services'

const temp = useTempServices('ms-cancel-identity-')
const liveChild = useLiveChildren()

describe('runsCancel of a run trained by another process', () => {
  it('never signals a live process whose start time is not the run\'s, and marks the run interrupted', async () => {
    const { store } = temp.services
    const run = store.runs.create({ name: 'pid reused', config: {} })
    const unrelated = liveChild()
    store.runs.markRunning(run.id, { pid: unrelated.pid, bootTimeMs: currentBootTimeMs(), startedAt: String(Number(unrelated.startedAt) - 500) })

    const after = await temp.services.runsCancel({ runId: run.id })
    expect(after.status).toBe('interrupted')
    expect(after.error).toContain(`process id ${unrelated.pid} now belongs to another program`)
    expect(after.error).toContain('no process was signalled')
    expect(await unrelated.endedWithin(1_000)).toBeNull()
  })

  it('sends SIGTERM to the run\'s own process (pid and start time match)', async () => {
    const { store } = temp.services
    const run = store.runs.create({ name: 'trained by the CLI', config: {} })
    const trainer = liveChild()
    store.runs.markRunning(run.id, { pid: trainer.pid, bootTimeMs: currentBootTimeMs(), startedAt: trainer.startedAt })

    // The training process writes `cancelled` itself when it stops; until then the run is running.
    expect((await temp.services.runsCancel({ runId: run.id })).status).toBe('running')
    expect(await trainer.endedWithin(10_000)).toBe('SIGTERM')
  })

  it('cancels a run queued by another live process without signalling it', async () => {
    const { store } = temp.services
    const starter = liveChild()
    const run = store.runs.create({ name: 'queued elsewhere', config: {} }, new Date(), { pid: starter.pid, bootTimeMs: currentBootTimeMs(), startedAt: starter.startedAt })

    expect((await temp.services.runsCancel({ runId: run.id })).status).toBe('cancelled')
    expect(await starter.endedWithin(500)).toBeNull()
    // Its training process, when it comes, finds the run no longer queued for it and leaves it.
    expect(() => store.runs.markRunning(run.id, { pid: starter.pid, bootTimeMs: currentBootTimeMs() }, new Date(), { claimed: true })).toThrow(
      /was cancelled before its training process started/,
    )
  })
})
