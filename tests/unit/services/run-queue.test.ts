// The run queue's decisions on a real store, with the job start recorded instead of a process
// spawned: who waits, who starts when a device frees, in which order, on which device, and what
// the Queue panel is told. tests/unit/services/run-queue-jobs.test.ts runs the same through real
// training jobs.
import { describe, expect, it } from 'vitest'
import { createNodeSpawner, JobRunner } from '../../../main/jobs'
import type { RunDevice, RunEvent } from '../../../main/contract'
import { createRunQueue } from '../../../main/services/run-queue'
import { settingsFilePath, writeSettingsFile } from '../../../main/services/settings-file'
import { currentBootTimeMs, currentProcessIdentity, processStart, type ProcessIdentity } from '../../../main/store'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()
const me = currentProcessIdentity()

function openQueue() {
  const started: string[] = []
  const events: RunEvent[] = []
  const jobs = new JobRunner(createNodeSpawner())
  jobs.subscribeRunEvents((event) => events.push(event))
  const queue = createRunQueue({
    store: temp.store,
    dataDir: temp.dir,
    jobs,
    // What runs.ts's startJob leaves: a run that is starting under this process.
    startJob: (runId) => void started.push(runId),
    startsQueuedRuns: true,
    resolveDevice: (device) => (device === 'auto' ? 'cpu' : device),
  })
  return { queue, started, events }
}

function training(name: string, device: RunDevice = 'cpu') {
  return temp.store.runs.create({ name, config: { device } })
}

function queued(name: string, device: RunDevice | 'auto' = 'cpu', owner: ProcessIdentity = me) {
  return temp.store.runs.create({ name, config: { device } }, new Date(), owner, { queued: true })
}

const status = (id: string) => temp.store.runs.get(id)?.status

describe('the run queue', () => {
  it('makes a second run on a device wait, and not a run on another device', () => {
    const { queue } = openQueue()
    expect(queue.mustWait({ device: 'cpu' })).toBe(false)
    training('first')
    expect(queue.mustWait({ device: 'cpu' })).toBe(true)
    // auto resolves to this machine's device (cpu here), which is taken.
    expect(queue.mustWait({ device: 'auto' })).toBe(true)
    expect(queue.mustWait({ device: 'webgpu' })).toBe(false)
  })

  it('starts the first queued run when the device frees, and only one per free place', () => {
    const { queue, started, events } = openQueue()
    const first = training('first')
    const second = queued('second')
    const third = queued('third')
    queue.resume()
    expect(started).toEqual([])
    temp.store.runs.finish(first.id, 'failed', 'out of memory')
    queue.resume()
    expect(started).toEqual([second.id])
    expect(status(second.id)).toBe('starting')
    expect(status(third.id)).toBe('queued')
    expect(events).toContainEqual({ type: 'status', runId: second.id, status: 'starting', error: null, adapter: null })
    expect(temp.store.runLog.list(second.id, {}).map((l) => l.message)).toContain('run left the queue: cpu is free')
  })

  it('keeps the order the user gives: a run moved up starts first', () => {
    const { queue, started } = openQueue()
    const first = training('first')
    const b = queued('b')
    const c = queued('c')
    void queue.runsQueueMove({ runId: c.id, direction: 'up' })
    temp.store.runs.finish(first.id, 'completed')
    queue.resume()
    expect(started).toEqual([c.id])
    expect(status(b.id)).toBe('queued')
  })

  it('cancels a queued run without starting it, and the next one takes its turn', () => {
    const { queue, started } = openQueue()
    const first = training('first')
    const b = queued('b')
    const c = queued('c')
    queue.cancel(b.id)
    expect(temp.store.runs.get(b.id)).toMatchObject({ status: 'cancelled', startedAt: null, queuePosition: null, trainingSeconds: 0 })
    temp.store.runs.finish(first.id, 'cancelled')
    queue.resume()
    expect(started).toEqual([c.id])
  })

  it('lets two devices train at once: a free device starts its queued run while the other waits', () => {
    const { queue, started } = openQueue()
    training('on cpu')
    const cpuWaits = queued('cpu waits')
    const gpuRun = queued('gpu run', 'webgpu')
    queue.resume()
    expect(started).toEqual([gpuRun.id])
    expect(status(cpuWaits.id)).toBe('queued')
  })

  it('starts as many runs at once per device as Settings allow', () => {
    writeSettingsFile(settingsFilePath(temp.dir), { runsAtOncePerDevice: 2 })
    const { queue, started } = openQueue()
    training('first')
    expect(queue.mustWait({ device: 'cpu' })).toBe(false)
    const second = queued('second')
    const third = queued('third')
    queue.resume()
    expect(started).toEqual([second.id])
    expect(status(third.id)).toBe('queued')
  })

  it('adopts a run queued by a studio that closed, and leaves one that a live `mixture-studio train` queued (nothing jumps ahead of it)', () => {
    const { queue, started } = openQueue()
    const closedStudio = { pid: 2 ** 22 + 7, bootTimeMs: currentBootTimeMs(), startedAt: null }
    const left = queued('left by a closed studio', 'cpu', closedStudio)
    const parentStart = processStart(process.ppid)
    const cli = { pid: process.ppid, bootTimeMs: currentBootTimeMs(), startedAt: parentStart.state === 'started' ? parentStart.at : null }
    const theirs = queued('queued by the CLI', 'webgpu', cli)
    const behind = queued('behind it', 'webgpu')
    queue.resume()
    expect(started).toEqual([left.id])
    expect([status(theirs.id), status(behind.id)]).toEqual(['queued', 'queued'])
  })

  it('tells the Queue panel each run\'s device, position and expected start: the running run\'s remaining steps at its pace, then the estimates before it', async () => {
    const { queue } = openQueue()
    const first = training('first')
    temp.store.runs.markRunning(first.id, { pid: process.pid, bootTimeMs: currentBootTimeMs() }, new Date(Date.now() - 20_000))
    temp.store.runs.setTotalSteps(first.id, 100)
    temp.store.metrics.append(first.id, [{ name: 'loss', step: 10, value: 1 }])
    const second = queued('second')
    const third = queued('third')
    const gpu = queued('gpu', 'webgpu')
    const answer = await queue.runsQueue()
    expect(answer.runsAtOncePerDevice).toBe(1)
    expect(answer.runs.map(({ name, device, position }) => ({ name, device, position }))).toEqual([
      { name: 'second', device: 'cpu', position: 1 },
      { name: 'third', device: 'cpu', position: 2 },
      { name: 'gpu', device: 'webgpu', position: 1 },
    ])
    // 10 steps in about 20 s: 90 steps left, about 180 s.
    expect(answer.runs[0].startsInSeconds).toBeGreaterThan(170)
    expect(answer.runs[0].startsInSeconds).toBeLessThan(200)
    expect(answer.runs[0].after).toEqual({ runId: first.id, name: 'first' })
    // The second's configuration has no model to estimate from: the third says whom it waits for instead of a time.
    expect(answer.runs[1]).toMatchObject({ runId: third.id, startsInSeconds: null, after: { runId: second.id, name: 'second' } })
    expect(answer.runs[2]).toMatchObject({ runId: gpu.id, startsInSeconds: 0, after: null, queuedElsewhere: false })
  })

  it('refuses to move or start now a run that is not queued', async () => {
    const { queue } = openQueue()
    const first = training('first')
    await expect(queue.runsQueueMove({ runId: first.id, direction: 'up' })).rejects.toMatchObject({ code: 'conflict', message: 'Run first is not queued (it is starting)' })
    expect(() => queue.startNow(first.id)).toThrow(/not queued/)
  })

  it('starts a queued run now, alongside the run on its device, when asked', () => {
    const { queue, started } = openQueue()
    training('first')
    const second = queued('second')
    queue.startNow(second.id)
    expect(started).toEqual([second.id])
    expect(status(second.id)).toBe('starting')
  })
})
