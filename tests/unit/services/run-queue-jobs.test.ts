// The run queue through the services and real training jobs on a tiny model: a second run on
// the CPU waits while the first trains and starts by itself when the first ends; a queued run
// cancelled never starts and leaves no folder; a studio closed with a run queued starts it when
// it opens again.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { createServices, type Services } from '../../../main/services'
import { runFolder } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let temp: ReturnType<typeof makeTempDir>
let model: string
let data: string
beforeAll(() => {
  temp = makeTempDir('ms-run-queue-')
  model = writeTinyModel(join(temp.dir, 'model'), 'llama').dir
  data = writePromptCompletionFile(join(temp.dir, 'train.jsonl'), 8)
})
afterAll(() => temp.remove())

function config(maxSteps: number) {
  return RunConfig.parse({
    model,
    data: { train: data, max_length: 128 },
    adapter: { method: 'ia3' },
    train: { batch_size: 2, max_steps: maxSteps, save_every: 2, eval_every: 100_000 },
    device: 'cpu',
  })
}

/** Every run event, in order, from the moment the services open. */
function record(services: Services): RunEvent[] {
  const events: RunEvent[] = []
  services.subscribe('onRunEvent', (event) => events.push(event))
  return events
}

async function until(what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const statusOf = (events: RunEvent[], runId: string, status: string) => events.findIndex((e) => e.runId === runId && e.type === 'status' && e.status === status)
const firstStep = (events: RunEvent[], runId: string) => events.findIndex((e) => e.runId === runId && e.type === 'step')

describe('the run queue with real training jobs', () => {
  it('queues a second run on the device, starts it once the first completes, and cancels a third without ever starting it', async () => {
    const dataDir = join(temp.dir, 'one')
    const services = createServices({ dataDir })
    try {
      const events = record(services)
      const first = await services.runsStart({ config: config(4) })
      const second = await services.runsStart({ config: config(4) })
      const third = await services.runsStart({ config: config(4) })
      expect(first.run.status).toBe('starting')
      expect(second).toMatchObject({ run: { status: 'queued' }, jobId: null })
      expect((await services.runsQueue({})).runs.map((r) => [r.runId, r.position])).toEqual([[second.run.id, 1], [third.run.id, 2]])

      await expect(services.runsCancel({ runId: third.run.id })).resolves.toMatchObject({ status: 'cancelled', startedAt: null })
      expect(existsSync(runFolder(dataDir, third.run.id))).toBe(false)

      await until('the second run to complete', () => statusOf(events, second.run.id, 'completed') >= 0)
      // It trained only after the first had ended.
      expect(firstStep(events, second.run.id)).toBeGreaterThan(statusOf(events, first.run.id, 'completed'))
      expect(services.store.runs.get(first.run.id)?.status).toBe('completed')
      expect(firstStep(events, third.run.id)).toBe(-1)
      expect(services.store.runs.get(third.run.id)?.status).toBe('cancelled')
      expect((await services.runsQueue({})).runs).toEqual([])
    } finally {
      await services.close()
    }
  })

  it('starts the queued run when the training one is cancelled, and a resumed run queues too', async () => {
    const services = createServices({ dataDir: join(temp.dir, 'two') })
    try {
      const events = record(services)
      const first = await services.runsStart({ config: config(100_000) })
      const second = await services.runsStart({ config: config(100_000) })
      await until('the first run to train', () => firstStep(events, first.run.id) >= 0)
      await services.runsCancel({ runId: first.run.id })
      await until('the second run to train', () => firstStep(events, second.run.id) >= 0)
      // Resumed while the second trains: it waits for the device too.
      await until('a checkpoint of the first run', () => services.store.artifacts.listCheckpoints(first.run.id).length > 0, 1)
      const resumed = await services.runsResume({ runId: first.run.id })
      expect(resumed).toMatchObject({ run: { status: 'queued' }, jobId: null })
      await services.runsCancel({ runId: second.run.id })
      await until('the resumed run to train', () => events.filter((e) => e.runId === first.run.id && e.type === 'step').length > 1 && services.store.runs.get(first.run.id)?.status === 'running')
      await services.runsCancel({ runId: first.run.id })
    } finally {
      await services.close()
    }
  })

  it('keeps a queued run through a restart: the studio that opens next starts it', async () => {
    const dataDir = join(temp.dir, 'three')
    const before = createServices({ dataDir })
    const first = await before.runsStart({ config: config(100_000) })
    const waiting = await before.runsStart({ config: config(4) })
    // Closing stops the training run; the queued one is not started on the way out.
    await before.close()
    const reopened = createServices({ dataDir })
    try {
      expect(reopened.store.runs.get(first.run.id)?.status).toBe('cancelled')
      const events = record(reopened)
      await until('the queued run to complete after the restart', () => statusOf(events, waiting.run.id, 'completed') >= 0 || reopened.store.runs.get(waiting.run.id)?.status === 'completed')
      expect(reopened.store.runs.list({ limit: 10 }).filter((r) => r.status === 'queued')).toEqual([])
    } finally {
      await reopened.close()
    }
  })
})
