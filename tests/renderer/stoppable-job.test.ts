// useStoppableJob on the fake api: which job a call follows, and what Stop does when the job is not
// there yet, is already being stopped, or cannot be cancelled. The stores built on it (Playground,
// Export dialog, import wizard) are tested for their stop that works.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { JobInfo } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useStoppableJob } = await import('../../renderer/src/stores/stoppable-job')

/** A call that answers when the test says so, as a job's call answers when its job ends. */
function heldCall<T>() {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void }
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }))
  return { call: () => promise, ...settle }
}

function cancelled(jobId: string): JobInfo {
  return { id: jobId, kind: 'generate', state: 'cancelled', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.000Z', error: null }
}

describe('useStoppableJob', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('follows the running job of its own kind, and only while its call runs', async () => {
    const generation = useStoppableJob('generate', 'playgroundGenerate')
    const held = heldCall<string>()
    const answer = generation.track(held.call)
    expect(generation.running.value).toBe(true)
    fake.emit({ type: 'started', jobId: 'other', kind: 'export', pid: 41 })
    fake.emit({ type: 'progress', jobId: 'other', done: 1, total: 2, label: 'Writing' })
    expect(generation.job.value).toBeNull()
    expect(generation.progress.value).toBeNull()

    fake.emit({ type: 'started', jobId: 'j1', kind: 'generate', pid: 42 })
    fake.emit({ type: 'progress', jobId: 'j1', done: 3, total: 96, label: 'Base model: 3 of 48 tokens' })
    expect(generation.job.value?.id).toBe('j1')
    expect(generation.progress.value).toEqual({ done: 3, total: 96, label: 'Base model: 3 of 48 tokens' })

    held.resolve('the answer')
    expect(await answer).toBe('the answer')
    // The job's ended event may come later; the call has answered, so there is nothing to follow or stop.
    expect(generation.running.value).toBe(false)
    expect(generation.job.value).toBeNull()
    expect(generation.progress.value).toBeNull()
  })

  it('reports a failed call as an error naming the call, not as stopped', async () => {
    const generation = useStoppableJob('generate', 'playgroundGenerate')
    expect(await generation.track(() => Promise.reject(new Error('the socket closed')))).toBeNull()
    expect(generation.error.value?.message).toBe('playgroundGenerate failed: the socket closed')
    expect(generation.stopped.value).toBe(false)
    expect(generation.running.value).toBe(false)

    // The next call starts without the last one's error.
    expect(await generation.track(async () => 'fine')).toBe('fine')
    expect(generation.error.value).toBeNull()
  })

  it('cancels once: Stop before the job is known, or again while stopping, sends nothing', async () => {
    const generation = useStoppableJob('generate', 'playgroundGenerate')
    const held = heldCall<string>()
    fake.jobsCancel.mockImplementation(async ({ jobId }) => {
      held.reject(new ApiCallError('conflict', 'Generation was stopped before it finished'))
      return cancelled(jobId)
    })
    const answer = generation.track(held.call)
    await generation.stop()
    expect(fake.jobsCancel).not.toHaveBeenCalled()
    expect(generation.stopping.value).toBe(false)

    fake.emit({ type: 'started', jobId: 'j1', kind: 'generate', pid: 42 })
    const first = generation.stop()
    const second = generation.stop()
    await Promise.all([first, second])
    expect(fake.jobsCancel).toHaveBeenCalledTimes(1)
    expect(await answer).toBeNull()
    expect(generation.stopped.value).toBe(true)
    expect(generation.error.value).toBeNull()
    expect(generation.stopping.value).toBe(false)

    // A new call is neither stopped nor stopping.
    const next = heldCall<string>()
    const nextAnswer = generation.track(next.call)
    expect(generation.stopped.value).toBe(false)
    next.resolve('again')
    expect(await nextAnswer).toBe('again')
  })

  it('says why a Stop failed and lets the user try again; the call then answers for itself', async () => {
    const generation = useStoppableJob('generate', 'playgroundGenerate')
    const held = heldCall<string>()
    const answer = generation.track(held.call)
    fake.emit({ type: 'started', jobId: 'j1', kind: 'generate', pid: 42 })
    fake.jobsCancel.mockRejectedValueOnce(new Error('the server went away'))
    await generation.stop()
    expect(generation.error.value?.message).toBe('jobsCancel failed: the server went away')
    expect(generation.stopping.value).toBe(false)
    expect(generation.running.value).toBe(true)

    fake.jobsCancel.mockResolvedValueOnce(cancelled('j1'))
    await generation.stop()
    expect(fake.jobsCancel).toHaveBeenCalledTimes(2)
    expect(generation.stopping.value).toBe(true)

    // The job finished before the cancel reached it: its answer stands.
    held.resolve('finished anyway')
    await flushPromises()
    expect(await answer).toBe('finished anyway')
    expect(generation.stopped.value).toBe(false)
    expect(generation.stopping.value).toBe(false)
  })
})
