// The Evaluate page's store: the form becomes evaluationsCreate's input (task names from the
// datasets' and files' names), the evaluation shown is read again while it scores and no more once
// it ended, and Stop cancels its job.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { EvaluationDetail, EvaluationSummary } from '../../main/contract'
import { fake } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useEvaluateStore, taskName, RUNNING_REFRESH_MS } = await import('../../renderer/src/stores/evaluate')

function detail(status: EvaluationDetail['status'], cellsDone: number): EvaluationDetail {
  const summary: EvaluationSummary = {
    id: 'e1', name: 'table', status, error: null, createdAt: '2026-01-01T00:00:00.000Z', finishedAt: null,
    model: { id: 'm1', name: 'tiny', path: '/models/tiny' },
    columns: [{ key: 'base', kind: 'base', label: 'base', runId: null, runName: null, checkpoint: null, adapter: null, adapterLabel: null }],
    tasks: ['arc'], lengthNormalize: false, cellsDone, cellsTotal: 1,
  }
  const cell = cellsDone ? { correct: 1, examples: 2, accuracy: 0.5, ci95: [0.1, 0.9] as [number, number] } : null
  return { ...summary, sets: [{ name: 'arc', datasetId: null, file: '/data/arc.jsonl' }], rows: [{ task: 'arc', cells: { base: cell }, winners: [] }], mean: { base: cell?.accuracy ?? null }, meanWinners: [] }
}

describe('useEvaluateStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('names tasks after their file or dataset, without the extension', () => {
    expect(taskName('/data/held-out/arc_easy.jsonl')).toBe('arc_easy')
    expect(taskName('C:\\data\\boolq.parquet')).toBe('boolq')
    expect(taskName('piqa')).toBe('piqa')
    expect(taskName('.jsonl')).toBe('.jsonl')
  })

  it('creates the evaluation from the form, then reads it while it scores and stops once it ended', async () => {
    fake.evaluationsCreate.mockResolvedValue({ evaluation: detail('running', 0), jobId: 'j1' })
    fake.evaluationsList.mockResolvedValue([detail('running', 0)])
    fake.evaluationsShow.mockResolvedValueOnce(detail('running', 0)).mockResolvedValueOnce(detail('completed', 1))
    fake.jobsList.mockResolvedValue([])
    const store = useEvaluateStore()
    store.modelId = 'm1'
    store.runPicks = { r1: 'best', r2: 'last' }
    store.includeBase = false
    store.datasetIds = ['d1']
    store.files = [{ name: '', file: ' /data/copa.jsonl ' }, { name: 'mine', file: '/data/x.csv' }, { name: 'empty row', file: ' ' }]
    store.lengthNormalize = true
    await store.create({ d1: 'arc.jsonl' })

    expect(fake.evaluationsCreate).toHaveBeenCalledWith({
      model: 'm1',
      runs: [{ runId: 'r1', checkpoint: 'best' }, { runId: 'r2', checkpoint: 'last' }],
      includeBase: false,
      sets: [{ name: 'arc', datasetId: 'd1' }, { name: 'copa', file: '/data/copa.jsonl' }, { name: 'mine', file: '/data/x.csv' }],
      lengthNormalize: true,
    })
    expect(store.detail?.status).toBe('running')
    expect(store.running).toBe(true)

    await vi.advanceTimersByTimeAsync(RUNNING_REFRESH_MS)
    expect(store.detail?.status).toBe('completed')
    expect(store.detail?.rows[0].cells.base?.accuracy).toBe(0.5)
    // Ended: the list is read again (its status changed), and the table no more.
    expect(fake.evaluationsList).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(5 * RUNNING_REFRESH_MS)
    expect(fake.evaluationsShow).toHaveBeenCalledTimes(2)
  })

  it('says why the evaluation could not start', async () => {
    const { ApiCallError } = await import('./fake-api')
    fake.evaluationsCreate.mockRejectedValue(new ApiCallError('invalid_input', 'Run "x" trained /a, not /b'))
    const store = useEvaluateStore()
    store.modelId = 'm1'
    await store.create({})
    expect(store.createError?.message).toBe('Run "x" trained /a, not /b')
    expect(store.creating).toBe(false)
  })

  it('stops the job of the evaluation it shows', async () => {
    fake.evaluationsCreate.mockResolvedValue({ evaluation: detail('running', 0), jobId: 'j1' })
    fake.evaluationsList.mockResolvedValue([])
    fake.evaluationsShow.mockResolvedValue(detail('running', 0))
    fake.jobsList.mockResolvedValue([])
    fake.jobsCancel.mockResolvedValue({ id: 'j1', kind: 'evaluate', state: 'cancelled', startedAt: '2026-01-01T00:00:00.000Z', endedAt: null, error: null })
    const store = useEvaluateStore()
    store.modelId = 'm1'
    await store.create({})
    fake.emit({ type: 'started', jobId: 'j1', kind: 'evaluate', pid: 7 })
    fake.emit({ type: 'progress', jobId: 'j1', done: 1, total: 4, label: 'Scoring base on arc' })
    expect(store.progress).toEqual({ done: 1, total: 4, label: 'Scoring base on arc' })
    await store.stop()
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'j1' })
    store.stopRefreshing()
  })
})
