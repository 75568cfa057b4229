// How far the training runs are, as the window's title and the taskbar show it (main/contract/training-progress.ts).
import { describe, expect, it } from 'vitest'
import type { RunEvent, RunStatus } from '../../../main/contract'
import { progressTitlePrefix, TrainingProgress } from '../../../main/contract/training-progress'

const step = (runId: string, n: number, totalSteps: number): RunEvent => ({
  type: 'step', runId, step: n, loss: 1, lr: 0, gradNorm: 0, tokensPerSecond: 0, etaSeconds: 0, totalSteps, epoch: 0, auxLoss: null, routers: null,
})
const status = (runId: string, s: RunStatus): RunEvent => ({ type: 'status', runId, status: s, error: null, adapter: null })

describe('TrainingProgress', () => {
  it('follows each run by its steps, averages the runs training, and forgets one that stops', () => {
    const progress = new TrainingProgress()
    expect(progress.overall()).toBeNull()
    expect(progress.take(status('a', 'starting'))).toBe(false)
    expect(progress.take(step('a', 30, 100))).toBe(true)
    expect(progress.overall()).toEqual({ fraction: 0.3, runs: 1 })
    progress.take(step('b', 10, 20))
    expect(progress.overall()).toEqual({ fraction: 0.4, runs: 2 })
    // Logs, evals and the like change nothing.
    expect(progress.take({ type: 'log', runId: 'a', level: 'info', message: 'x' })).toBe(false)
    expect(progress.take(status('b', 'running'))).toBe(false)
    expect(progress.take(status('b', 'completed'))).toBe(true)
    expect(progress.overall()).toEqual({ fraction: 0.3, runs: 1 })
    expect(progress.take(status('b', 'failed'))).toBe(false)
    progress.take(status('a', 'cancelled'))
    expect(progress.overall()).toBeNull()
    progress.take(step('c', 5, 0))
    expect(progress.overall()).toBeNull()
    progress.take(step('d', 5, 10))
    progress.clear()
    expect(progress.overall()).toBeNull()
  })
})

describe('progressTitlePrefix', () => {
  it('a percentage before the title, the count when several train, never 100% before the end', () => {
    expect(progressTitlePrefix(null)).toBe('')
    expect(progressTitlePrefix({ fraction: 0.437, runs: 1 })).toBe('43% · ')
    expect(progressTitlePrefix({ fraction: 0.999, runs: 1 })).toBe('99% · ')
    expect(progressTitlePrefix({ fraction: 1, runs: 1 })).toBe('99% · ')
    expect(progressTitlePrefix({ fraction: 0.5, runs: 2 })).toBe('2 runs 50% · ')
  })
})
