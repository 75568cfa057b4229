import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake } from './fake-api'
import { run } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useRunsStore } = await import('../../renderer/src/stores/runs')

describe('useRunsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('tells "no runs" apart from "not loaded yet"', async () => {
    const store = useRunsStore()
    expect(store.loaded).toBe(false)
    fake.runsList.mockResolvedValueOnce([])
    await store.load()
    expect(store.loaded).toBe(true)
    expect(store.runs).toEqual([])
  })

  it('lists the runs the server returns, asking with the default input', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValueOnce([run('r2', { status: 'running' }), run('r1')])
    await store.load()
    expect(fake.runsList).toHaveBeenCalledWith({})
    expect(store.runs.map((entry) => entry.id)).toEqual(['r2', 'r1'])
  })

  it('keeps the last list and reports the error when a reload fails', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValueOnce([run('r1')])
    await store.load()
    fake.runsList.mockRejectedValueOnce(new Error('socket hang up'))
    await store.load()
    expect(store.runs).toHaveLength(1)
    expect(store.loadError?.code).toBe('internal')
    expect(store.loadError?.message).toBe('runsList failed: socket hang up')
    expect(store.loading).toBe(false)
  })
})

describe('useRunsStore history figures and deletion', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('reads each run\'s lowest eval loss once, and again only for runs still training', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValue([run('done'), run('live', { status: 'running' }), run('noeval')])
    fake.runsMetrics.mockImplementation(async ({ runId }) => ({
      runId,
      series: { eval_loss: runId === 'noeval' ? [] : [{ step: 0, value: 3 }, { step: 10, value: 1.25 }, { step: 20, value: 1.5 }] },
    }))
    await store.load()
    expect(store.bestEvalLoss).toEqual({ done: 1.25, live: 1.25, noeval: null })
    expect(fake.runsMetrics).toHaveBeenCalledWith({ runId: 'done', names: ['eval_loss'] })
    fake.runsMetrics.mockClear()
    await store.load()
    expect(fake.runsMetrics.mock.calls.map(([input]) => input.runId)).toEqual(['live'])
  })

  /** The curve runsMetrics answers with for every run, replaced as the test's runs train on. */
  function evalCurveIs(values: number[]): void {
    fake.runsMetrics.mockImplementation(async ({ runId }) => ({ runId, series: { eval_loss: values.map((value, i) => ({ step: i * 10, value })) } }))
  }

  it('shows a run\'s final best once it finishes, not the best it had when it was last read mid-run', async () => {
    const store = useRunsStore()
    store.listen()
    fake.runsList.mockResolvedValue([run('r', { status: 'running', finishedAt: null })])
    evalCurveIs([6.85])
    await store.load()
    expect(store.bestEvalLoss.r).toBe(6.85)
    evalCurveIs([6.85, 4.61, 2.44])
    fake.runsList.mockResolvedValue([run('r', { status: 'completed' })])
    fake.emitRun({ type: 'status', runId: 'r', status: 'completed', error: null, adapter: '/a' })
    await vi.waitFor(() => expect(store.bestEvalLoss.r).toBe(2.44))
    store.stopListening()
  })

  it('follows a training run\'s best as its validation losses arrive', async () => {
    const store = useRunsStore()
    store.listen()
    fake.runsList.mockResolvedValue([run('r', { status: 'running', finishedAt: null })])
    evalCurveIs([6.85])
    await store.load()
    evalCurveIs([6.85, 4.61])
    fake.emitRun({ type: 'eval', runId: 'r', step: 10, loss: 4.61, tokens: 100, examples: 4, metrics: { eval_loss: 4.61 } })
    await vi.waitFor(() => expect(store.bestEvalLoss.r).toBe(4.61))
    store.stopListening()
  })

  it('re-reads every run\'s best on Refresh, finished ones too', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValue([run('done')])
    evalCurveIs([3])
    await store.load()
    evalCurveIs([3, 2])
    await store.refresh()
    expect(store.bestEvalLoss.done).toBe(2)
  })

  it('reads a resumed run\'s best again once it finishes a second time', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValue([run('r', { status: 'interrupted' })])
    evalCurveIs([3])
    await store.load()
    evalCurveIs([3, 1.5])
    fake.runsList.mockResolvedValue([run('r', { status: 'completed', finishedAt: '2025-01-01T12:00:00.000Z' })])
    await store.load()
    expect(store.bestEvalLoss.r).toBe(1.5)
  })

  it('reads the list again when the event stream reconnects, since events may have been missed', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValue([])
    store.listen()
    fake.reconnect()
    await vi.waitFor(() => expect(fake.runsList).toHaveBeenCalledTimes(1))
    store.stopListening()
    fake.reconnect()
    expect(fake.runsList).toHaveBeenCalledTimes(1)
  })

  it('deletes a run from the list, and keeps it with the error when the server refuses', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValueOnce([run('a'), run('b')])
    fake.runsMetrics.mockResolvedValue({ runId: 'x', series: {} })
    await store.load()
    fake.runsDelete.mockResolvedValueOnce(run('a'))
    expect(await store.remove('a')).toBe(true)
    expect(store.runs.map((r) => r.id)).toEqual(['b'])
    const { ApiCallError } = await import('./fake-api')
    fake.runsDelete.mockRejectedValueOnce(new ApiCallError('conflict', 'Run b is still training; cancel it first'))
    expect(await store.remove('b')).toBe(false)
    expect(store.runs.map((r) => r.id)).toEqual(['b'])
    expect(store.deleteError?.message).toContain('cancel it first')
  })

  it('reloads the list when a run changes status, while listening', async () => {
    const store = useRunsStore()
    fake.runsList.mockResolvedValue([])
    store.listen()
    store.listen()
    expect(fake.runListenerCount()).toBe(1)
    fake.emitRun({ type: 'step', runId: 'r', step: 1, loss: 1, lr: 1, gradNorm: 1, tokensPerSecond: 1, etaSeconds: 1, totalSteps: 1, epoch: 0, auxLoss: null, routers: null })
    expect(fake.runsList).not.toHaveBeenCalled()
    fake.emitRun({ type: 'status', runId: 'r', status: 'completed', error: null, adapter: '/a' })
    await vi.waitFor(() => expect(fake.runsList).toHaveBeenCalledTimes(1))
    store.stopListening()
    expect(fake.runListenerCount()).toBe(0)
  })
  it('keeps the newer list when an older read answers after it', async () => {
    const store = useRunsStore()
    fake.runsMetrics.mockResolvedValue({ runId: 'r1', series: {} })
    // The read after the run started answers only after the read after it finished.
    let answerStale!: () => void
    fake.runsList.mockImplementationOnce(() => new Promise((resolve) => (answerStale = () => resolve([run('r1', { status: 'running' })]))))
    fake.runsList.mockResolvedValueOnce([run('r1', { status: 'completed' })])
    const started = store.load()
    await store.load()
    expect(store.runs.map((r) => r.status)).toEqual(['completed'])
    answerStale()
    await started
    expect(store.runs.map((r) => r.status)).toEqual(['completed'])
    expect(store.loading).toBe(false)
  })
})
