// Training as a real job process through the services (what the UI does): events arrive as
// onRunEvent, kill -9 mid-run leaves the run `interrupted`, resume continues it from its last
// checkpoint to the end, and cancel stops it at a step boundary.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let services: Services
let config: RunConfig
let completedRunId = ''

beforeAll(() => {
  tmp = makeTempDir('ms-train-job-')
  services = createServices({ dataDir: join(tmp.dir, 'home') })
  config = RunConfig.parse({
    model: writeTinyModel(join(tmp.dir, 'model'), 'llama').dir,
    data: { train: writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 16), max_length: 128 },
    adapter: { method: 'ia3' },
    train: { lr: 0.05, batch_size: 4, max_steps: 400, save_every: 3, eval_every: 1000, seed: 1 },
    device: 'cpu',
  })
})
afterAll(async () => {
  await services.close()
  tmp.remove()
})

/** The first event of the run that matches; a run that fails first rejects with its error. */
function until(runId: string, match: (e: RunEvent) => boolean): Promise<RunEvent> {
  return new Promise((resolve, reject) => {
    const off = services.subscribe('onRunEvent', (e) => {
      if (e.runId !== runId) return
      if (match(e)) {
        off()
        resolve(e)
      } else if (e.type === 'status' && e.status === 'failed') {
        off()
        reject(new Error(`run failed: ${e.error}`))
      }
    })
  })
}

async function call<T>(name: Parameters<typeof dispatchCall>[1], input: unknown): Promise<T> {
  const result = await dispatchCall(services, name, input)
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`)
  return result.data as T
}

describe('a train job process', () => {
  it('killed with SIGKILL mid-run leaves the run interrupted; resume completes it from its last checkpoint', async () => {
    const small = { ...config, train: { ...config.train, max_steps: 60 } }
    const { run, jobId } = await call<{ run: { id: string }; jobId: string }>('runsStart', { config: small })
    await until(run.id, (e) => e.type === 'checkpoint' && e.step === 3)
    const pid = services.store.runs.get(run.id)!.pid!
    expect(pid).not.toBe(process.pid)
    process.kill(pid, 'SIGKILL')
    await call('jobsList', {}) // the runner is alive; wait for the job's end below
    const ended = await new Promise((resolve) => {
      const check = () => (services.store.runs.get(run.id)!.status !== 'running' ? resolve(null) : setTimeout(check, 50))
      check()
    })
    expect(ended).toBeNull()
    const interrupted = services.store.runs.get(run.id)!
    expect(interrupted.status).toBe('interrupted')
    expect(interrupted.error).toMatch(/killed by signal SIGKILL.*Resume the run/)
    expect(jobId).toBeTruthy()

    const checkpoint = services.store.artifacts.latestCheckpoint(run.id)!.step
    const steps: number[] = []
    const off = services.subscribe('onRunEvent', (e) => e.runId === run.id && e.type === 'step' && steps.push(e.step))
    const done = until(run.id, (e) => e.type === 'status' && e.status !== 'running')
    const resumed = await call<{ run: { id: string; status: string } }>('runsResume', { runId: run.id })
    expect(resumed.run.id).toBe(run.id)
    expect(await done).toMatchObject({ type: 'status', status: 'completed', adapter: expect.stringContaining(join('runs', run.id, 'adapter')) })
    off()
    expect(steps[0]).toBe(checkpoint + 1)
    expect(steps.at(-1)).toBe(60)

    const detail = await call<{ run: { status: string }; latest: Record<string, { step: number }>; adapter: string | null; checkpoints: { step: number }[] }>('runsShow', { runId: run.id })
    expect(detail.run.status).toBe('completed')
    expect(detail.latest.loss.step).toBe(60)
    expect(detail.adapter).toContain(run.id)
    const metrics = await call<{ series: Record<string, { step: number }[]> }>('runsMetrics', { runId: run.id, names: ['loss'], sinceStep: 58 })
    expect(metrics.series.loss.map((p) => p.step)).toEqual([59, 60])
    completedRunId = run.id
  }, 60_000)

  it('cancel stops the run at a step boundary; a run that is not training can be deleted', async () => {
    const { run } = await call<{ run: { id: string } }>('runsStart', { config })
    await until(run.id, (e) => e.type === 'step' && e.step === 2)
    const cancelled = await call<{ status: string }>('runsCancel', { runId: run.id })
    expect(cancelled.status).toBe('cancelled')
    const deleted = await call<{ id: string }>('runsDelete', { runId: run.id })
    expect(deleted.id).toBe(run.id)
    expect(services.store.runs.get(run.id)).toBeUndefined()
  }, 60_000)

  it('refuses to resume a completed run and to start one with an invalid configuration, naming the field', async () => {
    const bad = await dispatchCall(services, 'runsStart', { config: { ...config, adapter: { method: 'mov', expertz: 3 } } })
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error.issues?.[0].path).toBe('config.adapter.expertz')
    const again = await dispatchCall(services, 'runsResume', { runId: completedRunId })
    expect(!again.ok && again.error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/is completed/) })
  })
})
