// The Run page store's parts one by one (renderer/src/stores/run-live/); run-live-store.test.ts
// checks them together through the store's events.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ref, watch } from 'vue'
import type { RunEvent, RunLogLine } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { run } from './fixtures'
import { estimate, runDetail } from './training-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { LIVE_REDRAW_MS, useLiveCurves } = await import('../../renderer/src/stores/run-live/live-curves')
const { MAX_LOG_LINES, useRunLog } = await import('../../renderer/src/stores/run-live/run-log')
const { useRunActions } = await import('../../renderer/src/stores/run-live/run-actions')
const { useRunPace } = await import('../../renderer/src/stores/run-live/run-pace')
const { useRunRecord } = await import('../../renderer/src/stores/run-live/run-record')
const { useTrainableSize } = await import('../../renderer/src/stores/run-live/trainable-size')

function stepEvent(at: number, extra: Partial<Extract<RunEvent, { type: 'step' }>> = {}): Extract<RunEvent, { type: 'step' }> {
  return { type: 'step', runId: 'r1', step: at, loss: 1, lr: 1e-3, gradNorm: 1, tokensPerSecond: 900, etaSeconds: 30, totalSteps: 50, epoch: 0, auxLoss: null, routers: null, ...extra }
}

function logLine(id: number): RunLogLine {
  return { id, at: '2025-01-01T10:00:00.000Z', level: 'info', message: `line ${id}` }
}

beforeEach(() => fake.reset())

describe('useLiveCurves', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('shows the first live point at once and the ones after it with the next redraw', () => {
    const curves = useLiveCurves()
    let redraws = 0
    watch(curves.series, () => redraws++, { flush: 'sync' })
    curves.queue('loss', 1, 5)
    curves.scheduleRedraw()
    expect(curves.series.value.loss).toEqual([{ step: 1, value: 5 }])
    curves.queue('loss', 2, 4)
    curves.queue('lr', 2, 0.1)
    curves.scheduleRedraw()
    curves.scheduleRedraw()
    expect(curves.series.value.loss).toHaveLength(1)
    vi.advanceTimersByTime(LIVE_REDRAW_MS)
    // Both curves change in one redraw.
    expect(redraws).toBe(2)
    expect(curves.series.value).toEqual({ loss: [{ step: 1, value: 5 }, { step: 2, value: 4 }], lr: [{ step: 2, value: 0.1 }] })
  })

  it('merges stored points with live ones, a repeated step taking the newer value', () => {
    const curves = useLiveCurves()
    curves.merge([['loss', [{ step: 1, value: 5 }, { step: 2, value: 4 }]]])
    curves.queue('loss', 2, 9)
    curves.redrawNow()
    expect(curves.series.value.loss).toEqual([{ step: 1, value: 5 }, { step: 2, value: 9 }])
  })

  it('drops the queued points it was told to forget, and clears the curves', () => {
    const curves = useLiveCurves()
    curves.queue('loss', 1, 5)
    curves.scheduleRedraw()
    curves.queue('loss', 2, 4)
    curves.scheduleRedraw()
    curves.forgetQueued()
    vi.advanceTimersByTime(LIVE_REDRAW_MS)
    expect(curves.series.value.loss).toEqual([{ step: 1, value: 5 }])
    curves.clear()
    expect(curves.series.value).toEqual({})
  })
})

describe('useRunLog', () => {
  it('reads once more after a read under way when asked meanwhile, not once per call', async () => {
    const stored = [logLine(1)]
    let answer!: () => void
    // The first read sees only the first line; two more are written while it is answered.
    const firstRead = [...stored]
    fake.runsLog.mockImplementationOnce(() => new Promise((resolve) => (answer = () => resolve({ runId: 'r1', lines: firstRead, total: 1, maxLines: 2000 }))))
    fake.runsLog.mockImplementation(async ({ afterId }) => ({ runId: 'r1', lines: stored.filter((l) => l.id > (afterId ?? 0)), total: stored.length, maxLines: 2000 }))
    const log = useRunLog(ref('r1'))
    const first = log.follow()
    stored.push(logLine(2), logLine(3))
    void log.follow()
    void log.follow()
    answer()
    await first
    expect(log.logs.value.map((l) => l.id)).toEqual([1, 2, 3])
    expect(fake.runsLog.mock.calls.map(([input]) => input)).toEqual([{ runId: 'r1' }, { runId: 'r1', afterId: 1 }])
  })

  it(`keeps the newest ${MAX_LOG_LINES} lines of a long run`, async () => {
    const lines = Array.from({ length: MAX_LOG_LINES + 5 }, (_, i) => logLine(i + 1))
    fake.runsLog.mockResolvedValue({ runId: 'r1', lines, total: lines.length, maxLines: 2000 })
    const log = useRunLog(ref('r1'))
    await log.follow()
    expect(log.logs.value).toHaveLength(MAX_LOG_LINES)
    expect(log.logs.value[0].id).toBe(6)
    expect(log.logs.value.at(-1)?.id).toBe(MAX_LOG_LINES + 5)
  })

  it('drops lines that answer for a run no longer shown', async () => {
    const runId = ref<string | null>('r1')
    let answer!: () => void
    fake.runsLog.mockImplementationOnce(() => new Promise((resolve) => (answer = () => resolve({ runId: 'r1', lines: [logLine(1)], total: 1, maxLines: 2000 }))))
    const log = useRunLog(runId)
    const reading = log.follow()
    runId.value = 'r2'
    fake.runsLog.mockResolvedValue({ runId: 'r2', lines: [], total: 0, maxLines: 2000 })
    answer()
    await reading
    expect(log.logs.value).toEqual([])
  })
})

describe('useRunRecord', () => {
  function readsOf(detail = runDetail('r1', { trainedOn: null })) {
    fake.runsShow.mockResolvedValue(detail)
    fake.runsMetrics.mockResolvedValue({ runId: 'r1', series: { loss: [{ step: 1, value: 2 }] } })
    fake.runsAnswers.mockResolvedValue({ runId: 'r1', answers: [] })
  }

  it('hands what a read brings besides the record to its reader', async () => {
    readsOf()
    const onRead = vi.fn()
    const record = useRunRecord(ref('r1'), onRead)
    await record.read()
    expect(record.status.value).toBe('running')
    expect(record.active.value).toBe(true)
    expect(onRead).toHaveBeenCalledWith({ runId: 'r1', detail: record.detail.value, series: { loss: [{ step: 1, value: 2 }] }, answers: [] })
  })

  it('asks for a read on the first step of a run not yet placed only, once per segment', async () => {
    readsOf()
    const record = useRunRecord(ref('r1'), () => {})
    await record.read()
    expect(record.applyStep(stepEvent(1, { totalSteps: 80 }))).toBe(true)
    expect(record.detail.value?.run.totalSteps).toBe(80)
    expect(record.maxSteps.value).toBe(80)
    expect(record.applyStep(stepEvent(2))).toBe(false)
    record.resumed()
    expect(record.applyStep(stepEvent(3))).toBe(true)
    readsOf(runDetail('r1', { trainedOn: 'cpu, float32' }))
    await record.read()
    record.resumed()
    expect(record.applyStep(stepEvent(4))).toBe(false)
  })

  it('lists a checkpoint written twice once, and follows status events', async () => {
    readsOf(runDetail('r1', { status: 'starting' }))
    const record = useRunRecord(ref('r1'), () => {})
    await record.read()
    expect(record.addCheckpoint(5, '/c/step-5')).toBe(true)
    expect(record.addCheckpoint(5, '/c/step-5')).toBe(false)
    expect(record.detail.value?.checkpoints.map((c) => c.step)).toEqual([5])
    record.applyStatus({ type: 'status', runId: 'r1', status: 'failed', error: 'CUDA error: out of memory', adapter: null })
    expect(record.status.value).toBe('failed')
    expect(record.active.value).toBe(false)
    expect(record.resumable.value).toBe(true)
  })

  it('says why the record could not be read', async () => {
    fake.runsShow.mockRejectedValue(new Error('Run r1 was not found'))
    fake.runsMetrics.mockResolvedValue({ runId: 'r1', series: {} })
    fake.runsAnswers.mockResolvedValue({ runId: 'r1', answers: [] })
    const record = useRunRecord(ref('r1'), () => {})
    await record.read()
    expect(record.loadError.value?.message).toContain('Run r1 was not found')
    expect(record.loading.value).toBe(false)
  })
})

describe('useRunActions', () => {
  it('says "starting" from the Resume click, and tells of the resume once the server started it', async () => {
    const detail = ref(runDetail('r1', { status: 'failed', error: 'CUDA error: out of memory' }))
    const onResumed = vi.fn()
    const actions = useRunActions(ref('r1'), detail, onResumed)
    let answer!: () => void
    fake.runsResume.mockReturnValueOnce(new Promise((resolve) => (answer = () => resolve({ run: run('r1', { status: 'running' }), jobId: 'j2' }))))
    const resuming = actions.resume()
    expect([detail.value.run.status, detail.value.run.error, actions.acting.value]).toEqual(['starting', null, 'resume'])
    expect(onResumed).not.toHaveBeenCalled()
    answer()
    await resuming
    expect([detail.value.run.status, actions.acting.value]).toEqual(['running', null])
    expect(onResumed).toHaveBeenCalledTimes(1)
  })

  it('leaves a refused run as it was, with the reason, unless another run is shown by then', async () => {
    const runId = ref('r1')
    const detail = ref(runDetail('r1', { status: 'failed', error: 'CUDA error: out of memory' }))
    const onResumed = vi.fn()
    const actions = useRunActions(runId, detail, onResumed)
    fake.runsResume.mockRejectedValueOnce(new ApiCallError('conflict', 'its folder is gone'))
    await actions.resume()
    expect(detail.value.run).toMatchObject({ status: 'failed', error: 'CUDA error: out of memory' })
    expect(actions.actionError.value?.message).toBe('its folder is gone')
    expect(onResumed).not.toHaveBeenCalled()

    let refuse!: () => void
    fake.runsResume.mockReturnValueOnce(new Promise((_, reject) => (refuse = () => reject(new ApiCallError('conflict', 'its folder is gone')))))
    const resuming = actions.resume()
    runId.value = 'r2'
    detail.value = runDetail('r2', { status: 'starting' })
    refuse()
    await resuming
    expect(detail.value.run).toMatchObject({ id: 'r2', status: 'starting' })
  })

  it('shows the cancelled run as the server answers it', async () => {
    const detail = ref(runDetail('r1'))
    const actions = useRunActions(ref('r1'), detail, () => {})
    fake.runsCancel.mockResolvedValueOnce(run('r1', { status: 'cancelled' }))
    await actions.cancel()
    expect(detail.value.run.status).toBe('cancelled')
    actions.clear()
    expect(actions.actionError.value).toBeNull()
  })
})

describe('useRunPace', () => {
  it('counts the step from the loss curve and gives the ETA only while the run is active', () => {
    const series = ref<Record<string, { step: number; value: number }[]>>({ loss: [{ step: 10, value: 1 }] })
    const maxSteps = ref<number | null>(40)
    const active = ref(true)
    const pace = useRunPace(series, maxSteps, active)
    expect(pace.step.value).toBe(10)
    expect(pace.progress.value).toBe(0.25)
    expect(pace.etaSeconds.value).toBeNull()
    pace.applyStep(stepEvent(10, { etaSeconds: 12 }))
    expect(pace.etaSeconds.value).toBe(12)
    active.value = false
    expect(pace.etaSeconds.value).toBeNull()
    maxSteps.value = null
    expect(pace.progress.value).toBe(0)
    series.value = { loss: [{ step: 90, value: 1 }] }
    maxSteps.value = 40
    expect(pace.progress.value).toBe(1)
  })
})

describe('useTrainableSize', () => {
  it("asks for the run's trainable size once, and not for a config it cannot read", async () => {
    fake.runsEstimate.mockResolvedValue(estimate(2880, { trainablePercent: 0.32 }))
    const size = useTrainableSize(ref('r1'))
    await size.measure('r1', { not: 'a run config' })
    expect(fake.runsEstimate).not.toHaveBeenCalled()
    await size.measure('r1', runDetail('r1').config)
    await size.measure('r1', runDetail('r1').config)
    expect(size.size.value).toEqual({ trainable: 2880, percent: 0.32 })
    expect(fake.runsEstimate).toHaveBeenCalledTimes(1)
  })

  it('keeps no figure for a run no longer shown, nor when the estimate fails', async () => {
    const runId = ref('r2')
    fake.runsEstimate.mockResolvedValue(estimate(2880))
    const size = useTrainableSize(runId)
    await size.measure('r1', runDetail('r1').config)
    expect(size.size.value).toBeNull()
    fake.runsEstimate.mockRejectedValue(new Error('model: /models/tiny: no config.json'))
    await size.measure('r2', runDetail('r2').config)
    expect(size.size.value).toBeNull()
  })
})
