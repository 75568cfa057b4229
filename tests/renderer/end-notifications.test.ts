// Work that ends while the app is in the background is told in a system notification
// (renderer/src/notifications/): what it says for a run and for a long job, and when it is shown.
import { describe, expect, it } from 'vitest'
import type { JobEvent, RunDetail, RunEvent, RunSummary } from '../../main/contract'
import type { EndNotice } from '../../renderer/src/notifications/end-notice'
import { runEndNotice } from '../../renderer/src/notifications/run-end-notice'
import { watchJobEnds, watchRunEnds } from '../../renderer/src/notifications/end-watch'
import { jobEndNotice } from '../../renderer/src/notifications/job-end-notice'
import { run } from './fixtures'

function detail(overrides: Partial<RunSummary>, latest: RunDetail['latest'] = {}): RunDetail {
  return { run: run('r1', { name: 'mov on qwen', ...overrides }), config: null, folder: '/runs/r1', latest, checkpoints: [], adapter: null, importedFrom: null }
}

describe('runEndNotice', () => {
  it('a completed run: its steps, time and last losses', () => {
    const done = detail({ status: 'completed', trainingSeconds: 95 }, { loss: { step: 600, value: 1.90412 }, eval_loss: { step: 600, value: 1.93391 } })
    expect(runEndNotice(done)).toEqual({ title: '“mov on qwen” finished', body: '600 steps in 1 min 35 s · loss 1.9041 · eval loss 1.9339' })
    expect(runEndNotice(detail({ status: 'completed', trainingSeconds: 9.6, stoppedEarly: true }, { loss: { step: 40, value: 2 } }))?.body).toBe('40 steps in 9.6 s · loss 2.0000 · stopped early')
  })

  it('a failed or interrupted run: the first line of why, and what to do', () => {
    expect(runEndNotice(detail({ status: 'failed', error: '\nout of memory in step 12\nstack…' }))).toEqual({ title: '“mov on qwen” failed', body: 'out of memory in step 12' })
    expect(runEndNotice(detail({ status: 'failed', error: null }))?.body).toBe('Open the run for its log.')
    expect(runEndNotice(detail({ status: 'interrupted', error: 'The machine went to sleep.' }))).toEqual({
      title: '“mov on qwen” was interrupted',
      body: 'The machine went to sleep. Resume it from its last checkpoint.',
    })
    expect(runEndNotice(detail({ status: 'failed', error: 'x'.repeat(400) }))?.body).toHaveLength(160)
  })

  it('nothing for a run the user cancelled, or one still going', () => {
    expect(runEndNotice(detail({ status: 'cancelled' }))).toBeNull()
    expect(runEndNotice(detail({ status: 'running' }))).toBeNull()
  })
})

describe('watchRunEnds', () => {
  function harness(options: { enabled?: boolean; background?: boolean; status?: RunSummary['status'] } = {}) {
    let listener: ((event: RunEvent) => void) | null = null
    const shown: { tag: string; notice: EndNotice; click: () => void }[] = []
    const opened: string[] = []
    const state = { enabled: options.enabled ?? true, background: options.background ?? true, finishedAt: '2025-01-01T11:00:00.000Z' }
    const stop = watchRunEnds({
      onRunEvent: (l) => {
        listener = l
        return () => (listener = null)
      },
      runsShow: async () => detail({ status: options.status ?? 'completed', finishedAt: state.finishedAt }, { loss: { step: 3, value: 1 } }),
      enabled: () => state.enabled,
      inBackground: () => state.background,
      show: (tag, notice, click) => shown.push({ tag, notice, click }),
      openRun: (runId) => opened.push(runId),
    })
    const emit = async (event: RunEvent) => {
      listener?.(event)
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const ended = (status: RunSummary['status']): RunEvent => ({ type: 'status', runId: 'r1', status, error: null, adapter: null })
    return { shown, opened, state, stop, emit, ended, listening: () => listener !== null }
  }

  it('tells a run that ended while the window was in the background, once per ending; a click opens the run', async () => {
    const h = harness()
    await h.emit(h.ended('running'))
    await h.emit({ type: 'step', runId: 'r1', step: 1, loss: 1, lr: 0, gradNorm: 0, tokensPerSecond: 0, etaSeconds: 0, totalSteps: 3, epoch: 0, auxLoss: null, routers: null })
    expect(h.shown).toEqual([])
    await h.emit(h.ended('completed'))
    await h.emit(h.ended('completed'))
    expect(h.shown.map((s) => [s.tag, s.notice.title])).toEqual([['run-r1', '“mov on qwen” finished']])
    h.shown[0].click()
    expect(h.opened).toEqual(['r1'])
    // Resumed and ended again: told again.
    h.state.finishedAt = '2025-01-02T09:00:00.000Z'
    await h.emit(h.ended('completed'))
    expect(h.shown).toHaveLength(2)
    h.stop()
    expect(h.listening()).toBe(false)
  })

  it('stays quiet while the user looks at the window, when switched off, and for a cancelled run', async () => {
    const looking = harness({ background: false })
    await looking.emit(looking.ended('completed'))
    const off = harness({ enabled: false })
    await off.emit(off.ended('failed'))
    const cancelled = harness({ status: 'cancelled' })
    await cancelled.emit(cancelled.ended('cancelled'))
    expect([...looking.shown, ...off.shown, ...cancelled.shown]).toEqual([])
  })
})

describe('jobEndNotice', () => {
  it('a long job that ended: what it was, how it ended, how long it took, and the page it opens', () => {
    expect(jobEndNotice('evaluate', 'completed', null, 125)).toEqual({ notice: { title: 'The evaluation finished', body: 'It took 2 min 5 s.' }, page: 'evaluate' })
    expect(jobEndNotice('hub-download', 'failed', 'network: the Hub did not answer\nat …', 40)).toEqual({ notice: { title: 'The download from the Hub failed', body: 'network: the Hub did not answer' }, page: 'models' })
    expect(jobEndNotice('export', 'completed', null, 30)?.page).toBeNull()
  })

  it('nothing for a short job, one the user cancelled, or a kind the user waits on', () => {
    expect(jobEndNotice('evaluate', 'completed', null, 3)).toBeNull()
    expect(jobEndNotice('evaluate', 'cancelled', null, 300)).toBeNull()
    expect(jobEndNotice('system-probe', 'completed', null, 300)).toBeNull()
    expect(jobEndNotice('train', 'completed', null, 300)).toBeNull()
  })
})

describe('watchJobEnds', () => {
  it('tells a long job that ended in the background, from its start and end events; a click opens its page', () => {
    let listener: ((event: JobEvent) => void) | null = null
    let now = 0
    let background = true
    const shown: { tag: string; title: string; click: () => void }[] = []
    const opened: string[] = []
    const stop = watchJobEnds({
      onJobEvent: (l) => {
        listener = l
        return () => (listener = null)
      },
      enabled: () => true,
      inBackground: () => background,
      show: (tag, notice, click) => shown.push({ tag, title: notice.title, click }),
      openPage: (page) => opened.push(page),
      now: () => now,
    })
    const emit = (event: JobEvent) => listener?.(event)
    emit({ type: 'started', jobId: 'j1', kind: 'evaluate', pid: 1 })
    emit({ type: 'started', jobId: 'j2', kind: 'evaluate', pid: 2 })
    now = 2_000
    emit({ type: 'ended', jobId: 'j2', state: 'completed', error: null, lastWords: null }) // two seconds: not told
    now = 90_000
    emit({ type: 'ended', jobId: 'j1', state: 'completed', error: null, lastWords: null })
    // One whose start this window did not see: its kind is unknown, so it is not told.
    emit({ type: 'ended', jobId: 'j0', state: 'completed', error: null, lastWords: null })
    emit({ type: 'started', jobId: 'j3', kind: 'hub-download', pid: 3 })
    background = false
    now = 200_000
    emit({ type: 'ended', jobId: 'j3', state: 'completed', error: null, lastWords: null })
    expect(shown.map((s) => [s.tag, s.title])).toEqual([['job-j1', 'The evaluation finished']])
    shown[0].click()
    expect(opened).toEqual(['evaluate'])
    stop()
    expect(listener).toBeNull()
  })
})
