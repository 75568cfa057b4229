import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { QueuedRun, RunQueue } from '../../main/contract'
import { fake } from './fake-api'
import { run } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useRunQueueStore } = await import('../../renderer/src/stores/run-queue')
const { expectedStartText } = await import('../../renderer/src/runs/queue-start')
const { hasTrained } = await import('../../renderer/src/runs/has-trained')

function queued(runId: string, overrides: Partial<QueuedRun> = {}): QueuedRun {
  return { runId, name: `run ${runId}`, method: 'lora', device: 'cpu', position: 1, startsInSeconds: null, after: null, queuedElsewhere: false, ...overrides }
}
const queueOf = (...runs: QueuedRun[]): RunQueue => ({ runs, runsAtOncePerDevice: 1 })

describe('useRunQueueStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('reads the queue again on every run status change while a view listens, and not after', async () => {
    const store = useRunQueueStore()
    fake.runsQueue.mockResolvedValueOnce(queueOf(queued('a'))).mockResolvedValueOnce(queueOf())
    store.listen()
    await store.load()
    expect(store.runs.map((r) => r.runId)).toEqual(['a'])
    fake.emitRun({ type: 'status', runId: 'a', status: 'starting', error: null, adapter: null })
    await vi.waitFor(() => expect(store.runs).toEqual([]))
    store.stopListening()
    expect(fake.runListenerCount()).toBe(0)
  })

  it('shows the queue the move answers, and keeps it with the error when a move is refused', async () => {
    const store = useRunQueueStore()
    fake.runsQueue.mockResolvedValueOnce(queueOf(queued('a'), queued('b', { position: 2 })))
    await store.load()
    fake.runsQueueMove.mockResolvedValueOnce(queueOf(queued('b'), queued('a', { position: 2 })))
    expect(await store.moveUp('b')).toBe(true)
    expect(fake.runsQueueMove).toHaveBeenCalledWith({ runId: 'b', direction: 'up' })
    expect(store.runs.map((r) => r.runId)).toEqual(['b', 'a'])
    fake.runsQueueMove.mockRejectedValueOnce(new Error('Run a is not queued (it is starting)'))
    expect(await store.moveDown('a')).toBe(false)
    expect(store.runs.map((r) => r.runId)).toEqual(['b', 'a'])
    expect(store.actionError?.message).toContain('not queued')
  })

  it('cancels a queued run and starts one now, reading the queue after each', async () => {
    const store = useRunQueueStore()
    fake.runsQueue.mockResolvedValue(queueOf())
    fake.runsCancel.mockResolvedValueOnce(run('a', { status: 'cancelled' }))
    fake.runsStartNow.mockResolvedValueOnce({ run: run('b', { status: 'starting' }), jobId: 'job-1' })
    expect(await store.cancel('a')).toBe(true)
    expect(await store.startNow('b')).toBe(true)
    expect(fake.runsCancel).toHaveBeenCalledWith({ runId: 'a' })
    expect(fake.runsStartNow).toHaveBeenCalledWith({ runId: 'b' })
    expect(fake.runsQueue).toHaveBeenCalledTimes(2)
  })
})

describe('expectedStartText', () => {
  it('says next, a rounded time, or the run it waits for', () => {
    expect(expectedStartText({ startsInSeconds: 0, after: null })).toBe('next, as soon as its device is free')
    expect(expectedStartText({ startsInSeconds: 200, after: { runId: 'a', name: 'first' } })).toBe('in about 3 min')
    expect(expectedStartText({ startsInSeconds: 3900, after: { runId: 'a', name: 'first' } })).toBe('in about 1 h 5 min')
    expect(expectedStartText({ startsInSeconds: 12, after: { runId: 'a', name: 'first' } })).toBe('in less than a minute')
    expect(expectedStartText({ startsInSeconds: null, after: { runId: 'a', name: 'first' } })).toBe('after first')
  })
})

describe('hasTrained (the runs Evaluate offers)', () => {
  it('leaves out a run starting and a run queued before its first start, not a resumed one waiting', () => {
    expect(hasTrained(run('a', { status: 'queued', startedAt: null }))).toBe(false)
    expect(hasTrained(run('b', { status: 'starting', startedAt: null }))).toBe(false)
    expect(hasTrained(run('c', { status: 'queued', startedAt: '2026-01-01T00:00:00.000Z' }))).toBe(true)
    expect(hasTrained(run('d', { status: 'completed', startedAt: '2026-01-01T00:00:00.000Z' }))).toBe(true)
  })
})
