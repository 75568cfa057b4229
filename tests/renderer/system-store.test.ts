import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake, ApiCallError } from './fake-api'
import { probeResult, runningJob, systemInfo } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useSystemStore } = await import('../../renderer/src/stores/system')

describe('useSystemStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('loads the machine facts and clears an earlier error', async () => {
    const store = useSystemStore()
    fake.systemInfo.mockRejectedValueOnce(new ApiCallError('internal', 'disk on fire'))
    await store.load()
    expect(store.loadError?.message).toBe('disk on fire')

    fake.systemInfo.mockResolvedValueOnce(systemInfo())
    const loading = store.load()
    expect(store.loading).toBe(true)
    await loading
    expect(store.loading).toBe(false)
    expect(store.loadError).toBeNull()
    expect(store.info?.providers.map((provider) => provider.name)).toEqual(['cpu', 'cuda'])
  })

  it('keeps the facts it had when a refresh fails, and reports the failure as an ApiCallError', async () => {
    const store = useSystemStore()
    fake.systemInfo.mockResolvedValueOnce(systemInfo())
    await store.load()
    fake.systemInfo.mockRejectedValueOnce({ code: 'unauthorized', message: 'Missing or wrong token.' })
    await store.load()
    expect(store.info?.cpu.model).toBe('Test CPU')
    expect(store.loadError).toBeInstanceOf(ApiCallError)
    expect(store.loadError?.code).toBe('unauthorized')
  })

  it('starts a system-probe job and follows it through its events to the result', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.probe()
    expect(fake.jobsStart).toHaveBeenCalledWith({ kind: 'system-probe' })
    expect(store.probing).toBe(true)

    fake.emit({ type: 'started', jobId: 'j1', kind: 'system-probe', pid: 77 })
    fake.emit({ type: 'progress', jobId: 'j1', done: 1, total: 2, label: 'trying cuda' })
    fake.emit({ type: 'log', jobId: 'j1', level: 'warn', message: 'cuda: libcudart.so.12 not found' })
    expect(store.probeJob?.progress).toEqual({ done: 1, total: 2, label: 'trying cuda' })
    expect(store.probeResult).toBeNull()

    fake.emit({ type: 'result', jobId: 'j1', data: probeResult })
    fake.emit({ type: 'ended', jobId: 'j1', state: 'completed', error: null, lastWords: null })
    expect(store.probing).toBe(false)
    expect(store.probeJob?.state).toBe('completed')
    expect(store.probeJob?.pid).toBe(77)
    expect(store.probeJob?.logs).toEqual([{ level: 'warn', message: 'cuda: libcudart.so.12 not found' }])
    expect(store.probeResult?.providers.find((provider) => provider.name === 'cpu')?.available).toBe(true)
  })

  it('ignores events of other jobs', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.probe()
    fake.emit({ type: 'ended', jobId: 'other', state: 'failed', error: 'boom', lastWords: null })
    expect(store.probeJob?.state).toBe('running')
  })

  it('does not mistake a result of another shape for a probe result', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.probe()
    fake.emit({ type: 'result', jobId: 'j1', data: { providers: [{ name: 'cpu', available: 'yes' }] } })
    expect(store.probeJob?.hasResult).toBe(true)
    expect(store.probeResult).toBeNull()
  })

  it('keeps a probe finished when its ended event overtakes the start call', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockImplementationOnce(async () => {
      fake.emit({ type: 'result', jobId: 'j1', data: probeResult })
      fake.emit({ type: 'ended', jobId: 'j1', state: 'completed', error: null, lastWords: null })
      return runningJob('j1')
    })
    await store.probe()
    expect(store.probeJob?.state).toBe('completed')
    expect(store.probeJob?.kind).toBe('system-probe')
    expect(store.probeResult).not.toBeNull()
  })

  it('reports a failed probe with the stderr the process left', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockResolvedValueOnce(runningJob('j1'))
    await store.probe()
    fake.emit({ type: 'ended', jobId: 'j1', state: 'interrupted', error: 'the job process exited with code 134', lastWords: 'free(): invalid pointer' })
    expect(store.probing).toBe(false)
    expect(store.probeJob?.error).toBe('the job process exited with code 134')
    expect(store.probeJob?.lastWords).toBe('free(): invalid pointer')
  })

  it('reports a probe the server refused to start', async () => {
    const store = useSystemStore()
    fake.jobsStart.mockRejectedValueOnce(new ApiCallError('conflict', 'A probe is already running.'))
    await store.probe()
    expect(store.probeStartError?.code).toBe('conflict')
    expect(store.probeJob).toBeNull()
  })
})
