import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake } from './fake-api'
import { runningJob } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useJobsStore } = await import('../../renderer/src/stores/jobs')

describe('useJobsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('subscribes to job events once however many views ask', () => {
    const store = useJobsStore()
    store.listen()
    store.listen()
    expect(fake.listenerCount()).toBe(1)
    store.stopListening()
    expect(fake.listenerCount()).toBe(0)
  })

  it('tracks a job it only knows from events', () => {
    const store = useJobsStore()
    store.listen()
    fake.emit({ type: 'log', jobId: 'j9', level: 'info', message: 'hello' })
    expect(store.byId.j9.kind).toBeNull()
    expect(store.byId.j9.logs).toEqual([{ level: 'info', message: 'hello' }])
    fake.emit({ type: 'started', jobId: 'j9', kind: 'selftest-wait', pid: 5 })
    expect(store.byId.j9.kind).toBe('selftest-wait')
  })

  it('keeps only the newest 500 log lines of a job', () => {
    const store = useJobsStore()
    store.listen()
    for (let line = 0; line < 600; line += 1) {
      fake.emit({ type: 'log', jobId: 'j1', level: 'info', message: `line ${line}` })
    }
    const logs = store.byId.j1.logs
    expect(logs).toHaveLength(500)
    expect(logs[0].message).toBe('line 100')
    expect(logs[499].message).toBe('line 599')
  })

  it('re-reads the job list after the event stream reconnects, to catch events it missed', async () => {
    const store = useJobsStore()
    store.listen()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.start('system-probe')
    fake.jobsList.mockResolvedValueOnce([runningJob('j1', { state: 'completed', endedAt: '2025-01-01T10:00:05.000Z' })])
    fake.reconnect()
    await vi.waitFor(() => expect(store.byId.j1.state).toBe('completed'))
    expect(store.byId.j1.endedAt).toBe('2025-01-01T10:00:05.000Z')
  })

  it('lists jobs newest first', async () => {
    const store = useJobsStore()
    fake.jobsList.mockResolvedValueOnce([
      runningJob('old', { startedAt: '2025-01-01T09:00:00.000Z' }),
      runningJob('new', { startedAt: '2025-01-01T11:00:00.000Z' }),
    ])
    await store.refresh()
    expect(store.all.map((job) => job.id)).toEqual(['new', 'old'])
  })

  it('records a failed refresh instead of throwing', async () => {
    const store = useJobsStore()
    fake.jobsList.mockRejectedValueOnce({ code: 'internal', message: 'database is locked' })
    await store.refresh()
    expect(store.lastError?.message).toBe('database is locked')
  })

  it('applies the state the server reports when a job is cancelled', async () => {
    const store = useJobsStore()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.start('selftest-wait')
    fake.jobsCancel.mockResolvedValueOnce(runningJob('j1', { kind: 'selftest-wait', state: 'cancelled', endedAt: '2025-01-01T10:00:02.000Z' }))
    await store.cancel('j1')
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'j1' })
    expect(store.byId.j1.state).toBe('cancelled')
  })
})
