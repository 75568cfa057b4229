import { describe, expect, it } from 'vitest'
import { currentProcessIdentity } from '../../../main/store'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()
const owner = currentProcessIdentity()

describe('runs repository: the queue', () => {
  it('queues new runs last, under the process that queued them, and lists them in order', () => {
    const { runs } = temp.store
    const a = runs.create({ name: 'a', config: {} }, new Date(), owner, { queued: true })
    const started = runs.create({ name: 'started', config: {} })
    const b = runs.create({ name: 'b', config: {} }, new Date(), owner, { queued: true })
    expect(a).toMatchObject({ status: 'queued', pid: owner.pid, processStartedAt: owner.startedAt })
    expect(started).toMatchObject({ status: 'starting', queuePosition: null })
    expect(runs.listQueued().map((r) => r.name)).toEqual(['a', 'b'])
    expect(b.queuePosition!).toBeGreaterThan(a.queuePosition!)
    // A queued run has no process at work on it: recovery's list leaves it alone.
    expect(runs.listActive().map((r) => r.name)).toEqual(['started'])
  })

  it('moves a run up and down, and refuses past either end', () => {
    const { runs } = temp.store
    for (const name of ['a', 'b', 'c']) runs.create({ name, config: {} }, new Date(), owner, { queued: true })
    const id = (name: string) => runs.listQueued().find((r) => r.name === name)!.id
    expect(runs.moveInQueue(id('c'), 'up')).toBe(true)
    expect(runs.listQueued().map((r) => r.name)).toEqual(['a', 'c', 'b'])
    expect(runs.moveInQueue(id('a'), 'down')).toBe(true)
    expect(runs.listQueued().map((r) => r.name)).toEqual(['c', 'a', 'b'])
    expect(runs.moveInQueue(id('c'), 'up')).toBe(false)
    expect(runs.moveInQueue(id('b'), 'down')).toBe(false)
    expect(runs.listQueued().map((r) => r.name)).toEqual(['c', 'a', 'b'])
  })

  it('starts a queued run once (a second start finds it gone) and cancels one that never started', () => {
    const { runs } = temp.store
    const a = runs.create({ name: 'a', config: {} }, new Date(), owner, { queued: true })
    const b = runs.create({ name: 'b', config: {} }, new Date(), owner, { queued: true })
    expect(runs.startQueued(a.id, owner)).toMatchObject({ status: 'starting', queuePosition: null, pid: owner.pid })
    expect(runs.startQueued(a.id, owner)).toBeUndefined()
    expect(runs.cancelQueued(a.id)).toBeUndefined()
    expect(runs.cancelQueued(b.id)).toMatchObject({ status: 'cancelled', queuePosition: null, pid: null, startedAt: null, trainingSeconds: 0 })
    expect(runs.listQueued()).toEqual([])
  })

  it('queues a resumed run at the end instead of starting it', () => {
    const { runs } = temp.store
    const stopped = runs.create({ name: 'stopped', config: {} })
    runs.finish(stopped.id, 'cancelled')
    const waiting = runs.create({ name: 'waiting', config: {} }, new Date(), owner, { queued: true })
    expect(runs.claimForResume(stopped.id, owner, new Date(), { queued: true })).toMatchObject({ status: 'queued', finishedAt: null })
    expect(runs.listQueued().map((r) => r.id)).toEqual([waiting.id, stopped.id])
    // A queued run is not resumable again: it is claimed already.
    expect(runs.claimForResume(stopped.id, owner)).toBeUndefined()
  })
})
