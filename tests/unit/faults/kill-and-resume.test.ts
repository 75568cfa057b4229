// Crash safety, as a user meets it: kill -9 of the process that trains (the `train` CLI, a job
// process) and of its parent (`serve`), at random steps and inside checkpoint writes, repeated;
// then the next start finds an intact store and an interrupted run, and resuming it until it
// completes gives the losses (train and eval, step by step) and the adapter of an uninterrupted
// run of the same configuration, bit for bit.
//
// Where the kills land is drawn from a seed, printed here; rerun a failure with
// MIXTURE_STUDIO_FAULT_SEED=<seed>. Killing inside a checkpoint write uses the test-only crash
// points of main/train/crash-points.ts (MIXTURE_STUDIO_FAULT), as no outside kill can aim there.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type JobEvent } from '../../../main/contract'
import { createServices, type Services } from '../../../main/services'
import { openStore } from '../../../main/store'
import { readAdapterFolder } from '../../../main/train/adapter-files'
import { rng } from '../../helpers/ort-vs-reference'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'
import { firstDifference, killHard, killLeftovers, processEnded, readStoreAfterCrash, startCli, startServe, type StoreAfterCrash } from './support'

const SEED = seedFromEnvironment(process.env.MIXTURE_STUDIO_FAULT_SEED)
console.log(`fault injection: seed ${SEED} (rerun with MIXTURE_STUDIO_FAULT_SEED=${SEED})`)

const MAX_STEPS = 40
const SAVE_EVERY = 5
/** Where in a checkpoint write a crash point can kill (see writeCheckpoint). */
const CHECKPOINT_STAGES = ['adapter', 'optimizer', 'state', 'renamed'] as const
/** A run in any other status still has a process on it (or about to be). */
const FINAL_STATUSES = ['completed', 'failed', 'cancelled', 'interrupted']

let tmp: ReturnType<typeof makeTempDir>
let configInput: Record<string, unknown>
let configFile: string
let reference: { losses: StoreAfterCrash['losses']; evalLosses: StoreAfterCrash['evalLosses']; adapter: Map<string, Float32Array> }

beforeAll(async () => {
  tmp = makeTempDir('ms-faults-')
  configInput = {
    model: writeTinyModel(join(tmp.dir, 'model'), 'llama').dir,
    data: { train: writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 16), max_length: 128, split: 2 },
    adapter: { method: 'mov', experts: 3 },
    train: { lr: 0.05, batch_size: 4, max_steps: MAX_STEPS, save_every: SAVE_EVERY, eval_every: 10, seed: 1 },
    device: 'cpu',
  }
  configFile = join(tmp.dir, 'run.json')
  writeFileSync(configFile, JSON.stringify(configInput))

  const home = join(tmp.dir, 'home-reference')
  const cli = startCli(['train', '--config', configFile, '--json'], { MIXTURE_STUDIO_HOME: home })
  expect(await cli.exited, JSON.stringify(cli.lines.at(-1))).toEqual({ code: 0, signal: null })
  const run = readStoreAfterCrash(home, null)
  expect(run.losses.map((p) => p.step)).toEqual(Array.from({ length: MAX_STEPS }, (_, i) => i + 1))
  expect(run.evalLosses.map((p) => p.step)).toEqual([0, 10, 20, 30, 40])
  reference = { losses: run.losses, evalLosses: run.evalLosses, adapter: adapterTensors(home, run.runId) }
}, 60_000)
afterEach(killLeftovers)
afterAll(() => tmp?.remove())

function adapterTensors(home: string, runId: string): Map<string, Float32Array> {
  return new Map([...readAdapterFolder(join(home, 'runs', runId, 'adapter')).tensors].map(([name, t]) => [name, t.data]))
}

/** A scenario's own random stream (so one scenario's draws do not depend on another's) and its trail of what happened, for failure messages. */
function scenario(index: number) {
  const random = rng(SEED * 31 + index)
  const events: string[] = []
  return {
    between: (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(random() * items.length)],
    note: (event: string) => events.push(event),
    trail: () => `seed ${SEED}: ${events.join('; ')}`,
  }
}

const checkpointStepsAfter = (step: number) =>
  Array.from({ length: MAX_STEPS / SAVE_EVERY }, (_, i) => (i + 1) * SAVE_EVERY).filter((s) => s > step)

/** What must hold after every kill: an intact store, readable checkpoints where resume and the app look, and every loss so far the uninterrupted run's. */
function expectIntact(after: StoreAfterCrash, trail: string): void {
  expect(after.integrity, trail).toBe('ok')
  expect(after.checkpointProblems.join('\n'), trail).toBe('')
  expect(firstDifference(after.losses, reference.losses), trail).toBeNull()
  expect(firstDifference(after.evalLosses, reference.evalLosses), trail).toBeNull()
}

/** A completed run: every train and eval loss, and the adapter, exactly the uninterrupted run's. */
function expectSameAsReference(home: string, runId: string, trail: string): void {
  const after = readStoreAfterCrash(home, runId)
  expectIntact(after, trail)
  expect(after.status, trail).toBe('completed')
  expect(after.losses.length, trail).toBe(reference.losses.length)
  expect(after.evalLosses.length, trail).toBe(reference.evalLosses.length)
  const adapter = adapterTensors(home, runId)
  expect([...adapter.keys()], trail).toEqual([...reference.adapter.keys()])
  for (const [name, data] of adapter) {
    const expected = reference.adapter.get(name)!
    expect(Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `${trail}; adapter tensor ${name}`).toBe(true)
  }
}

/** The newest complete checkpoint on disk, where the next resume starts (0: none, from the start). */
const newestCheckpoint = (after: StoreAfterCrash) => after.checkpointSteps.at(-1) ?? 0

/** Resumes with `train --resume` to the end and checks it started where the checkpoints say. */
async function finishWithCli(home: string, runId: string, resumeFrom: number, s: ReturnType<typeof scenario>): Promise<void> {
  const cli = startCli(['train', '--resume', runId, '--json'], { MIXTURE_STUDIO_HOME: home })
  const exit = await cli.exited
  s.note(`train --resume to the end: steps ${cli.steps[0]}..${cli.steps.at(-1)}, exit ${exit.code}`)
  expect(exit, `${s.trail()}; ${JSON.stringify(cli.lines.at(-1))}`).toEqual({ code: 0, signal: null })
  if (resumeFrom < MAX_STEPS) expect(cli.steps[0], s.trail()).toBe(resumeFrom + 1)
  expectSameAsReference(home, runId, s.trail())
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 15))
  }
}

describe(`kill -9 at random points, then resume: the losses of an uninterrupted run (seed ${SEED})`, () => {
  it('`mixture-studio train` killed at random steps, resumed with --resume each time', async () => {
    const s = scenario(1)
    const home = join(tmp.dir, 'home-cli-kills')
    let runId: string | null = null
    let resumeFrom = 0
    for (let kill = 1; kill <= 2 && resumeFrom < MAX_STEPS; kill++) {
      const at = s.between(resumeFrom + 1, MAX_STEPS)
      const cli = startCli(runId === null ? ['train', '--config', configFile, '--json'] : ['train', '--resume', runId, '--json'], { MIXTURE_STUDIO_HOME: home })
      const reached = await cli.untilStep(at)
      const exit = await killHard(cli)
      s.note(`${runId === null ? 'train --config' : 'train --resume'}: SIGKILL at step ${at} (steps ${cli.steps[0]}..${cli.steps.at(-1)} printed, ended by ${exit.signal ?? `exit ${exit.code}`})`)
      expect(reached, `${s.trail()}; ${JSON.stringify(cli.lines.at(-1))}`).toBe(true)
      if (runId !== null) expect(cli.steps[0], s.trail()).toBe(resumeFrom + 1)
      const after = readStoreAfterCrash(home, runId)
      runId = after.runId
      expectIntact(after, s.trail())
      // A kill that came after the run finished finds it completed; otherwise it is resumable.
      if (after.status === 'completed') return expectSameAsReference(home, runId, s.trail())
      expect(after.status, s.trail()).toBe('interrupted')
      resumeFrom = newestCheckpoint(after)
    }
    await finishWithCli(home, runId!, resumeFrom, s)
  }, 120_000)

  it('`mixture-studio train` killing itself inside checkpoint writes, resumed with --resume each time', async () => {
    const s = scenario(2)
    const home = join(tmp.dir, 'home-cli-checkpoint-kills')
    let runId: string | null = null
    let resumeFrom = 0
    for (let kill = 1; kill <= 2 && resumeFrom < MAX_STEPS; kill++) {
      const step = s.pick(checkpointStepsAfter(resumeFrom))
      const stage = s.pick(CHECKPOINT_STAGES)
      const fault = `checkpoint-write:${step}:${stage}`
      const cli = startCli(runId === null ? ['train', '--config', configFile, '--json'] : ['train', '--resume', runId, '--json'], { MIXTURE_STUDIO_HOME: home, MIXTURE_STUDIO_FAULT: fault })
      const exit = await cli.exited
      s.note(`${fault} (steps ${cli.steps[0]}..${cli.steps.at(-1)} printed, ended by ${exit.signal ?? `exit ${exit.code}`})`)
      expect(exit.signal, `${s.trail()}; ${JSON.stringify(cli.lines.at(-1))}`).toBe('SIGKILL')
      const after = readStoreAfterCrash(home, runId)
      runId = after.runId
      expectIntact(after, s.trail())
      expect(after.status, s.trail()).toBe('interrupted')
      // It died writing that step's checkpoint: trained no further, and the checkpoint counts
      // only once renamed into place; before that, resume starts from the one before.
      expect(after.losses.at(-1)?.step, s.trail()).toBe(step)
      expect(newestCheckpoint(after), s.trail()).toBe(stage === 'renamed' ? step : step - SAVE_EVERY)
      resumeFrom = newestCheckpoint(after)
    }
    await finishWithCli(home, runId!, resumeFrom, s)
  }, 120_000)

  it('a training job killed at random steps; the services start afresh and resume it each time', async () => {
    const s = scenario(3)
    const home = join(tmp.dir, 'home-job-kills')
    const config = RunConfig.parse(configInput)
    let services: Services | null = createServices({ dataDir: home })
    try {
      let runId: string | null = null
      let resumeFrom = 0
      let completed = false
      for (let kill = 1; kill <= 2 && !completed; kill++) {
        const live: Services = services!
        const job = await startWatched(live, () => (runId === null ? live.runsStart({ config }) : live.runsResume({ runId })))
        runId = job.runId
        const at = s.between(Math.min(resumeFrom + 1, MAX_STEPS), MAX_STEPS)
        await until(() => job.ended() !== null || job.steps.some((step) => step >= at), `job ${job.jobId} to reach step ${at} (${s.trail()})`)
        killIfAlive(job.pid())
        await until(() => job.ended() !== null, `job ${job.jobId} to end`)
        s.note(`${kill === 1 ? 'runsStart' : 'runsResume'}: SIGKILL at step ${at} (steps ${job.steps[0]}..${job.steps.at(-1)}, job ${job.ended()!.state})`)
        if (kill > 1 && job.steps.length > 0) expect(job.steps[0], s.trail()).toBe(resumeFrom + 1)
        // The next start of the app (start-up recovery included) finds it resumable.
        await live.close()
        services = null
        const after = readStoreAfterCrash(home, runId)
        expectIntact(after, s.trail())
        completed = after.status === 'completed'
        if (!completed) expect(after.status, s.trail()).toBe('interrupted')
        resumeFrom = newestCheckpoint(after)
        services = createServices({ dataDir: home })
      }
      if (!completed) {
        const live: Services = services!
        const job = await startWatched(live, () => live.runsResume({ runId: runId! }))
        await until(() => job.ended() !== null, `job ${job.jobId} to end`)
        s.note(`runsResume to the end: steps ${job.steps[0]}..${job.steps.at(-1)}, job ${job.ended()!.state} ${job.ended()!.error ?? ''}`)
        expect(job.ended()!.state, s.trail()).toBe('completed')
        if (resumeFrom < MAX_STEPS) expect(job.steps[0], s.trail()).toBe(resumeFrom + 1)
      }
      await services?.close()
      services = null
      expectSameAsReference(home, runId!, s.trail())
    } finally {
      await services?.close()
    }
  }, 120_000)

  it('`mixture-studio serve` killed while its job trains, then a job under serve dying inside a checkpoint write and serve killed again', async () => {
    const s = scenario(4)
    const home = join(tmp.dir, 'home-serve-kills')
    const serve = await startServe({ MIXTURE_STUDIO_HOME: home })
    const { run } = await serve.call<{ run: { id: string } }>('runsStart', { config: configInput })
    const at = s.between(1, MAX_STEPS)
    const trainedTo = async () => (await serve.call<{ series: { loss: { step: number }[] } }>('runsMetrics', { runId: run.id, names: ['loss'] })).series.loss.at(-1)?.step ?? 0
    const status = async (on = serve) => (await on.call<{ run: { status: string } }>('runsShow', { runId: run.id })).run.status
    await until(async () => (await trainedTo()) >= 1 || FINAL_STATUSES.includes(await status()), `the run to start training (${s.trail()})`)
    const jobPid = runPid(home, run.id)
    await until(async () => (await trainedTo()) >= at || FINAL_STATUSES.includes(await status()), `the run to reach step ${at} (${s.trail()})`)
    await killHard(serve)
    // The job loses its parent. It ends by itself (today: when it next reports to the dead
    // parent); what matters is that it does, and leaves the run resumable, reaped or not yet.
    const jobEnded = await processEnded(jobPid, 30_000)
    let after = readStoreAfterCrash(home, run.id)
    s.note(`serve SIGKILL at step ${at} (the run had reached step ${after.losses.at(-1)?.step}; its job ${jobEnded ? 'ended' : 'still running after 30 s'})`)
    expect(jobEnded, s.trail()).toBe(true)
    expectIntact(after, s.trail())
    if (after.status === 'completed') return expectSameAsReference(home, run.id, s.trail())
    expect(after.status, s.trail()).toBe('interrupted')
    let resumeFrom = newestCheckpoint(after)

    if (resumeFrom < MAX_STEPS) {
      const step = s.pick(checkpointStepsAfter(resumeFrom))
      const stage = s.pick(CHECKPOINT_STAGES)
      const fault = `checkpoint-write:${step}:${stage}`
      const faulty = await startServe({ MIXTURE_STUDIO_HOME: home, MIXTURE_STUDIO_FAULT: fault })
      await faulty.call('runsResume', { runId: run.id })
      // serve itself sees its job die and marks the run.
      await until(async () => FINAL_STATUSES.includes(await status(faulty)), `serve to see its job die at ${fault} (${s.trail()})`)
      const marked = await status(faulty)
      await killHard(faulty)
      after = readStoreAfterCrash(home, run.id)
      s.note(`serve's job: ${fault}, run ${marked}; serve SIGKILL`)
      expect(marked, s.trail()).toBe('interrupted')
      expectIntact(after, s.trail())
      expect(after.status, s.trail()).toBe('interrupted')
      expect(after.losses.at(-1)?.step, s.trail()).toBe(step)
      resumeFrom = newestCheckpoint(after)
    }
    await finishWithCli(home, run.id, resumeFrom, s)
  }, 120_000)
})

function seedFromEnvironment(value: string | undefined): number {
  if (!value) return Math.floor(Math.random() * 2 ** 31)
  if (!/^\d+$/.test(value)) throw new Error(`MIXTURE_STUDIO_FAULT_SEED=${value}: give the whole number a failed run printed`)
  return Number(value)
}

/** The process the store names as the run's trainer. */
function runPid(home: string, runId: string): number {
  const store = openStore(home)
  try {
    const pid = store.runs.get(runId)?.pid
    if (!pid) throw new Error(`the store names no process for run ${runId}`)
    return pid
  } finally {
    store.close()
  }
}

/** SIGKILL, unless the process has already ended on its own. */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** Starts a train job through the services and follows it: its pid, the steps it reports, how it ended. */
async function startWatched(services: Services, start: () => Promise<{ run: { id: string }; jobId: string | null }>) {
  const jobEvents: JobEvent[] = []
  const steps: number[] = []
  let runId = ''
  // Subscribed before the start: the job's `started` event may come before the call returns.
  services.subscribe('onJobEvent', (e) => jobEvents.push(e))
  services.subscribe('onRunEvent', (e) => {
    if (e.runId === runId && e.type === 'step') steps.push(e.step)
  })
  const { run, jobId } = await start()
  runId = run.id
  const ofJob = () => jobEvents.filter((e) => e.jobId === jobId)
  await until(() => ofJob().some((e) => e.type === 'started' || e.type === 'ended'), `job ${jobId} to start`)
  return {
    runId,
    jobId,
    steps,
    pid: () => {
      const started = ofJob().find((e) => e.type === 'started')
      if (started?.type !== 'started') throw new Error(`job ${jobId} never started`)
      return started.pid
    },
    ended: () => {
      const ended = ofJob().find((e) => e.type === 'ended')
      return ended?.type === 'ended' ? ended : null
    },
  }
}
