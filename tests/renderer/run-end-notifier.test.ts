// A run that ends while the app is in the background is told in a system notification
// (renderer/src/runs/run-end-notifier.ts): what it says, and when it is shown.
import { describe, expect, it } from 'vitest'
import type { RunDetail, RunEvent, RunSummary } from '../../main/contract'
import { runEndNotice, type RunEndNotice } from '../../renderer/src/runs/run-end-notice'
import { watchRunEnds } from '../../renderer/src/runs/run-end-notifier'
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
    const shown: { runId: string; notice: RunEndNotice; click: () => void }[] = []
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
      show: (runId, notice, click) => shown.push({ runId, notice, click }),
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
    expect(h.shown.map((s) => s.notice.title)).toEqual(['“mov on qwen” finished'])
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
