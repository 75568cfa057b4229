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
