import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { watch } from 'vue'
import type { RunEvent, RunLogLine } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { run } from './fixtures'
import { estimate, runDetail } from './training-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { LIVE_REDRAW_MS, useRunLiveStore } = await import('../../renderer/src/stores/run-live')

function step(runId: string, at: number, extra: Partial<Extract<RunEvent, { type: 'step' }>> = {}): RunEvent {
  return { type: 'step', runId, step: at, loss: 5 - at / 10, lr: 3e-4, gradNorm: 1, tokensPerSecond: 1000 + at, etaSeconds: 50 - at, totalSteps: 50, epoch: 0, auxLoss: null, routers: null, ...extra }
}

/** A stored run log the fake runsLog serves as the server would: the lines after afterId. */
function storedLog(id: string, lines: RunLogLine[]) {
  fake.runsLog.mockImplementation(async ({ afterId }) => {
    const after = lines.filter((line) => line.id > (afterId ?? 0))
    return { runId: id, lines: after, total: lines.length, maxLines: 2000 }
  })
  return {
    add(level: RunLogLine['level'], message: string) {
      lines.push({ id: lines.length + 1, at: '2025-01-01T10:00:00.000Z', level, message })
    },
  }
}

async function opened(id = 'r1') {
  if (!fake.runsLog.getMockImplementation()) storedLog(id, [])
  const store = useRunLiveStore()
  fake.runsShow.mockResolvedValue(runDetail(id))
  fake.runsMetrics.mockResolvedValue({ runId: id, series: { loss: [{ step: 1, value: 4.9 }, { step: 2, value: 4.8 }], eval_loss: [{ step: 0, value: 5.2 }] } })
  fake.runsEstimate.mockResolvedValue(estimate(2880, { trainablePercent: 0.32 }))
  if (!fake.runsAnswers.getMockImplementation()) fake.runsAnswers.mockResolvedValue({ runId: id, answers: [] })
  await store.open(id)
  return store
}

/** A run whose job has not yet recorded where it trains, with no curves yet. */
async function openedNotYetPlaced() {
  const store = useRunLiveStore()
  storedLog('r1', [])
  fake.runsMetrics.mockResolvedValue({ runId: 'r1', series: {} })
  fake.runsEstimate.mockResolvedValue(estimate(2880))
  fake.runsShow.mockResolvedValue(runDetail('r1', { trainedOn: null }))
  fake.runsAnswers.mockResolvedValue({ runId: 'r1', answers: [] })
  await store.open('r1')
  return store
}

describe('useRunLiveStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('reads the run and its curves, listening first so no step is lost', async () => {
    const store = await opened()
    expect(fake.runListenerCount()).toBe(1)
    expect(store.status).toBe('running')
    expect(store.maxSteps).toBe(50)
    expect(store.step).toBe(2)
    expect(store.progress).toBeCloseTo(2 / 50)
    await vi.waitFor(() => expect(store.size).toEqual({ trainable: 2880, percent: 0.32 }))
    store.close()
    expect(fake.runListenerCount()).toBe(0)
  })

  it('appends live steps, replaces repeated ones, and ignores other runs', async () => {
    const store = await opened()
    fake.emitRun(step('r1', 3))
    fake.emitRun(step('other', 4))
    fake.emitRun(step('r1', 2, { loss: 9 }))
    // The first step shows at once, the next with the following redraw.
    await vi.waitFor(() => expect(store.series.loss.map((p) => [p.step, p.value])).toEqual([[1, 4.9], [2, 9], [3, 4.7]]))
    expect(store.series.tokens_per_s).toEqual([{ step: 2, value: 1002 }, { step: 3, value: 1003 }])
    // A repeated step is a resumed run going on from there: its pace is the newest.
    expect(store.etaSeconds).toBe(48)
    fake.emitRun({ type: 'eval', runId: 'r1', step: 3, loss: 4.5, tokens: 100, examples: 4, metrics: { eval_loss: 4.5 } })
    await vi.waitFor(() => expect(store.series.eval_loss).toEqual([{ step: 0, value: 5.2 }, { step: 3, value: 4.5 }]))
  })

  it('redraws the curves of a fast run a few times a second, not on every step', async () => {
    const store = await opened()
    vi.useFakeTimers()
    try {
      let redraws = 0
      watch(() => store.series, () => redraws++, { flush: 'sync' })
      // A hundred steps a second for a second: one redraw at once, then one every LIVE_REDRAW_MS.
      for (let at = 3; at < 103; at++) {
        fake.emitRun(step('r1', at))
        vi.advanceTimersByTime(10)
      }
      expect(redraws).toBe(1 + 1000 / LIVE_REDRAW_MS)
      vi.advanceTimersByTime(LIVE_REDRAW_MS)
      expect(store.series.loss.map((p) => p.step)).toEqual(Array.from({ length: 102 }, (_, i) => i + 1))
      expect(store.series.lr).toHaveLength(100)
      // The steps just before the run ends show with the status that ends it, not a redraw later.
      fake.emitRun(step('r1', 103))
      fake.emitRun(step('r1', 104))
      fake.emitRun({ type: 'status', runId: 'r1', status: 'completed', error: null, adapter: '/runs/r1/adapter' })
      expect(store.step).toBe(104)
      expect(store.status).toBe('completed')
    } finally {
      vi.useRealTimers()
    }
  })

  it('reads the record again on the first step of a run not yet placed, to show where it trains', async () => {
    const store = await openedNotYetPlaced()
    expect(store.detail?.run.trainedOn).toBeNull()
    fake.runsShow.mockResolvedValue(runDetail('r1', { trainedOn: 'webgpu, fp16 frozen products, float32 adapters' }))
    fake.emitRun(step('r1', 1))
    await vi.waitFor(() => expect(store.detail?.run.trainedOn).toBe('webgpu, fp16 frozen products, float32 adapters'))
    fake.emitRun(step('r1', 2))
    fake.emitRun(step('r1', 3))
    expect(fake.runsShow).toHaveBeenCalledTimes(2)
  })

  it('keeps the newer record when an older read answers after it', async () => {
    const store = await openedNotYetPlaced()
    // The status event's read is slow and holds the record from before the run was placed;
    // the first step's read answers first with where it trains.
    let answerStale!: () => void
    fake.runsShow.mockImplementationOnce(() => new Promise((resolve) => (answerStale = () => resolve(runDetail('r1', { trainedOn: null })))))
    fake.emitRun({ type: 'status', runId: 'r1', status: 'running', error: null, adapter: null })
    fake.runsShow.mockResolvedValue(runDetail('r1', { trainedOn: 'cpu, float32' }))
    fake.emitRun(step('r1', 1))
    await vi.waitFor(() => expect(store.detail?.run.trainedOn).toBe('cpu, float32'))
    answerStale()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(store.detail?.run.trainedOn).toBe('cpu, float32')
    expect(store.loading).toBe(false)
  })

  it('shows the record at once while the log is still being followed', async () => {
    const store = await openedNotYetPlaced()
    // A busy run: every log read is answered only after the next event asked for another, so
    // the follow loop never rests while the run trains.
    const pending: (() => void)[] = []
    fake.runsLog.mockImplementation(() => new Promise((resolve) => pending.push(() => resolve({ runId: 'r1', lines: [], total: 0, maxLines: 2000 }))))
    fake.emitRun({ type: 'checkpoint', runId: 'r1', step: 5, path: '/c/step-5' })
    fake.runsShow.mockResolvedValue(runDetail('r1', { trainedOn: 'cpu, float32' }))
    fake.emitRun(step('r1', 1))
    fake.emitRun({ type: 'checkpoint', runId: 'r1', step: 10, path: '/c/step-10' })
    await vi.waitFor(() => expect(store.detail?.run.trainedOn).toBe('cpu, float32'))
    expect(pending.length).toBeGreaterThan(0)
    pending.forEach((answer) => answer())
  })

  it("shows a finished run's stored log, and reads only the new lines as events come", async () => {
    const log = storedLog('r1', [
      { id: 1, at: '2025-01-01T10:00:01.000Z', level: 'info', message: 'training 2880 adapter parameters' },
      { id: 2, at: '2025-01-01T10:05:00.000Z', level: 'warn', message: '3 rows were longer than max_length' },
    ])
    const store = await opened('r1')
    expect(store.logs.map((l) => l.message)).toEqual(['training 2880 adapter parameters', '3 rows were longer than max_length'])
    expect(fake.runsLog).toHaveBeenLastCalledWith({ runId: 'r1' })

    log.add('info', 'eval at step 3: loss 4.5000 over 100 tokens of 4 examples')
    fake.emitRun({ type: 'eval', runId: 'r1', step: 3, loss: 4.5, tokens: 100, examples: 4, metrics: { eval_loss: 4.5 } })
    log.add('info', 'checkpoint at step 3: /c/step-3')
    fake.emitRun({ type: 'checkpoint', runId: 'r1', step: 3, path: '/c/step-3' })
    fake.emitRun(step('r1', 4)) // steps are curves, not lines: no read
    await vi.waitFor(() => expect(store.logs.map((l) => l.id)).toEqual([1, 2, 3, 4]))
    expect(fake.runsLog.mock.calls.slice(1).map(([input]) => input.afterId)).toEqual([2, 3])
    expect(store.logs.at(-1)?.message).toBe('checkpoint at step 3: /c/step-3')
  })

  it('turns router statistics from step events into the expert-load history', async () => {
    const store = await opened()
    const routers = [
      { module: 'model.layers.0.self_attn.k_proj', site: 'k', layer: 0, load: [0.25, 0.75], entropy: 0.56 },
      { module: 'model.layers.0.mlp', site: 'ffn', layer: 0, load: [0.97, 0.03], entropy: 0.13 },
    ]
    fake.emitRun(step('r1', 10, { routers }))
    const history = store.routers!
    expect(history.sites.map((s) => s.label)).toEqual(['L0 · k', 'L0 · ffn'])
    expect(history.steps).toEqual([10])
    expect(history.load[0]).toEqual([[0.25, 0.75], [0.97, 0.03]])
  })

  it('follows status events, re-reading the record when the run stops, and lists a checkpoint once', async () => {
    const store = await opened()
    fake.emitRun({ type: 'checkpoint', runId: 'r1', step: 5, path: '/c/step-5' })
    fake.emitRun({ type: 'checkpoint', runId: 'r1', step: 5, path: '/c/step-5' })
    expect(store.detail?.checkpoints.map((c) => c.step)).toEqual([5])
    fake.runsShow.mockResolvedValue(runDetail('r1', { status: 'completed', finishedAt: '2025-01-01T11:00:00.000Z' }))
    fake.emitRun({ type: 'status', runId: 'r1', status: 'completed', error: null, adapter: '/runs/r1/adapter' })
    expect(store.status).toBe('completed')
    expect(store.active).toBe(false)
    expect(store.etaSeconds).toBeNull()
    await vi.waitFor(() => expect(store.detail?.run.finishedAt).toBe('2025-01-01T11:00:00.000Z'))
  })

  it('cancels and resumes, and says why when the server refuses', async () => {
    const store = await opened()
    fake.runsCancel.mockResolvedValueOnce(run('r1', { status: 'cancelled' }))
    await store.cancel()
    expect(store.status).toBe('cancelled')
    fake.runsResume.mockResolvedValueOnce({ run: run('r1', { status: 'starting' }), jobId: 'j2' })
    await store.resume()
    expect(store.status).toBe('starting')
    fake.runsResume.mockRejectedValueOnce(new ApiCallError('conflict', 'Run r1 is completed; start a new run'))
    await store.resume()
    expect(store.actionError?.message).toContain('start a new run')
    expect(store.acting).toBeNull()
  })

  it('shows "starting" from the Resume click, before the server answers, and the run as it was when refused', async () => {
    const store = await opened()
    fake.runsCancel.mockResolvedValueOnce(run('r1', { status: 'failed', error: 'CUDA error: out of memory' }))
    await store.cancel()
    let answer!: (value: { run: ReturnType<typeof run>; jobId: string }) => void
    fake.runsResume.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)))
    const resuming = store.resume()
    expect(store.status).toBe('starting')
    expect(store.detail?.run.error).toBeNull()
    answer({ run: run('r1', { status: 'starting' }), jobId: 'j2' })
    await resuming
    expect(store.status).toBe('starting')

    fake.runsCancel.mockResolvedValueOnce(run('r1', { status: 'failed', error: 'CUDA error: out of memory' }))
    await store.cancel()
    fake.runsResume.mockRejectedValueOnce(new ApiCallError('conflict', 'its folder is gone'))
    await store.resume()
    expect(store.detail?.run).toMatchObject({ status: 'failed', error: 'CUDA error: out of memory' })
  })

  it.each([
    ['cancelled', null, true],
    ['interrupted', 'The job process 41 was killed by signal SIGKILL before the job finished.', true],
    ['failed', 'CUDA error: out of memory — out of memory: lower train.batch_size (raise train.grad_accum to keep the same batch) or data.max_length, then resume the run', true],
    ['failed', 'ENOSPC: no space left on device, write — the disk is full: free space in the data folder', true],
    ['failed', 'The job process 41 exited with code 137 before the job finished.', true],
    ['failed', '/data/train.jsonl line 3: the row has no "text" field; map a column to it', false],
    ['failed', 'model: /models/tiny: no config.json', false],
    ['failed', 'step 12: the loss is NaN. Training stopped; no checkpoint was written yet. Lower train.lr (or set train.max_grad_norm), then resume or start again.', false],
    ['completed', null, false],
    ['running', null, false],
  ] as const)('offers Resume to a %s run only where its cause may pass (%s)', async (status, error, offered) => {
    const store = await opened()
    fake.runsCancel.mockResolvedValueOnce(run('r1', { status, error }))
    await store.cancel()
    expect(store.resumable).toBe(offered)
  })

  it("reads the run's answers and merges live ones, a step answered again after a resume taking the new answers", async () => {
    fake.runsAnswers.mockResolvedValue({ runId: 'r1', answers: [{ step: 0, promptIndex: 0, prompt: '2+2=', answer: '22' }, { step: 10, promptIndex: 0, prompt: '2+2=', answer: '5' }] })
    const store = await opened()
    expect(fake.runsAnswers).toHaveBeenCalledWith({ runId: 'r1' })
    fake.emitRun({ type: 'answers', runId: 'r1', step: 10, answers: [{ promptIndex: 0, prompt: '2+2=', answer: '4' }] })
    fake.emitRun({ type: 'answers', runId: 'r1', step: 20, answers: [{ promptIndex: 0, prompt: '2+2=', answer: '4' }] })
    fake.emitRun({ type: 'answers', runId: 'other', step: 30, answers: [{ promptIndex: 0, prompt: 'x', answer: 'y' }] })
    expect(store.answers.map((a) => [a.step, a.answer])).toEqual([[0, '22'], [10, '4'], [20, '4']])
  })
})
