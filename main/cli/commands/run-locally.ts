// Trains a run in the CLI's own process (the CLI process then owns the run's record, like a
// job process would): records it (or claims a stopped one), trains it, prints its events, and
// stops cleanly on Ctrl+C. While other runs hold its device (a studio's, another `train`'s), the
// run waits in the run queue as `queued` under this process, which starts it on its turn; --now
// trains alongside instead (docs/DESIGN.md "The run queue").
import { setTimeout as sleep } from 'node:timers/promises'
import { RunConfig } from '../../contract'
import { catalogIds, currentProcessIdentity, openStore, type RunRecord, type Store } from '../../store'
import { devicePlaces } from '../../services/device-places'
import { createRunChecks } from '../../services/run-checks'
import { runCheckMachine } from '../../services/run-check-machine'
import { splitLeavingNothing } from '../../services/split-check'
import { ApiCallError } from '../../contract'
import { whyRunCannotTrain } from '../../train/resume-refusal'
import { defaultRunName } from '../../config/run-name'
import { runFolder, runTraining, type RunOutcome } from '../../train/run-training'
import type { CliContext } from '../command'
import type { TrainPrinter } from './train-output'

/** How often a queued `train` looks whether its turn has come. */
const QUEUE_POLL_MS = 1000

export interface QueueChoice {
  /** Train now beside the runs on the device (--now) instead of waiting for it. */
  alongside?: boolean
}

/**
 * Records a new run for an already validated config (paths absolute) under this process:
 * `starting`, or `queued` while other runs hold its device (unless `alongside`).
 */
/**
 * What the studio's Start refuses (services/run-checks.ts and split-check.ts: the data files, a
 * held-out split that leaves nothing, adapter.init against the model and method, the device,
 * max_length against the model's context), as `field: why` lines; empty when the run may be
 * created. The CLI asks it before recording a run, so no run is created that is sure to fail,
 * from either side.
 */
async function refusalsBeforeStart(store: Store, dataDir: string, config: RunConfig): Promise<string[]> {
  const nothing = splitLeavingNothing(store, config, catalogIds(store, config).datasetId)
  if (nothing) return [`data.split: ${nothing}`]
  try {
    await createRunChecks(runCheckMachine(store, dataDir)).refuseUnstartable(config)
    return []
  } catch (error) {
    if (!(error instanceof ApiCallError) || error.code !== 'invalid_input') throw error
    return (error.issues ?? [{ path: '', message: error.message }]).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
  }
}

/** The run recorded (queued when its device is busy) once the checks before Start pass; else why not. */
export async function recordCheckedRun(dataDir: string, config: RunConfig, choice: QueueChoice = {}): Promise<{ runId: string; queued: boolean } | { refusals: string[] }> {
  // One open of the store, as recordRun's: a second would move when the daily backup is taken.
  const store = openStore(dataDir)
  try {
    const refusals = await refusalsBeforeStart(store, dataDir, config)
    return refusals.length > 0 ? { refusals } : createRun(store, dataDir, config, choice)
  } finally {
    store.close()
  }
}

export function recordRun(dataDir: string, config: RunConfig, choice: QueueChoice = {}): { runId: string; queued: boolean } {
  const store = openStore(dataDir)
  try {
    return createRun(store, dataDir, config, choice)
  } finally {
    store.close()
  }
}

function createRun(store: Store, dataDir: string, config: RunConfig, choice: QueueChoice): { runId: string; queued: boolean } {
  const queued = !choice.alongside && devicePlaces(store, dataDir).mustWait(config)
  const run = store.runs.create({ name: defaultRunName(config), config, method: config.adapter.method, ...catalogIds(store, config) }, new Date(), currentProcessIdentity(), { queued })
  return { runId: run.id, queued }
}

/**
 * Claims a stopped run for this process to resume (`starting` under it, in one statement that checks
 * its status, so the studio or another `train --resume` cannot start it too). Returns the run,
 * or why it cannot be resumed.
 */
export function claimRunForResume(dataDir: string, runId: string, choice: QueueChoice = {}): { run: RunRecord; queued: boolean } | { error: string } {
  const store = openStore(dataDir)
  try {
    // Completed, or its folder or checkpoints gone (it would start over from step 0): refused before it is claimed.
    const stopped = store.runs.get(runId)
    const refusal = stopped && whyRunCannotTrain(store, stopped, runFolder(dataDir, runId))
    if (refusal) return { error: refusal }
    const queued = Boolean(stopped) && !choice.alongside && devicePlaces(store, dataDir).mustWait(stopped!.config)
    const claimed = store.runs.claimForResume(runId, currentProcessIdentity(), new Date(), { queued })
    if (claimed) return { run: claimed, queued }
    const run = store.runs.get(runId)
    if (!run) return { error: `there is no run ${runId}; \`mixture-studio runs list\` shows the runs` }
    if (run.status === 'completed') return { error: `run ${runId} is completed; start a new run (adapter.init: its adapter folder) to train further` }
    if (run.status === 'queued') return { error: `run ${runId} is queued (waiting for its device); cancel it first (\`mixture-studio runs cancel ${runId}\`)` }
    const what = run.status === 'running' ? 'training' : 'starting its training'
    return { error: `run ${runId} is ${what} (process ${run.pid}); wait for it to end, or cancel it first` }
  } finally {
    store.close()
  }
}

/** Trains a run claimed by this process (recordRun, claimRunForResume). */
export async function trainLocally(context: CliContext, dataDir: string, runId: string, printer: TrainPrinter, threads?: number): Promise<RunOutcome> {
  let stop = false
  void context.untilInterrupted().then(() => {
    stop = true
  })
  const outcome = await runTraining({ dataDir, runId, claimed: true, onEvent: (e) => printer.event(e), shouldStop: () => stop, ...(threads ? { threads } : {}) })
  if (outcome.status === 'completed' && outcome.adapter) printer.done(runId, outcome.adapter, outcome.step)
  else if (outcome.status === 'failed') printer.error(`run ${runId} failed: ${outcome.error}`)
  else printer.error(`run ${runId} was cancelled at step ${outcome.step}; continue it with \`mixture-studio train --resume ${runId}\``)
  return outcome
}

/**
 * Waits while this process's queued run waits for its device, saying once what it waits for, and
 * claims it (`starting`) on its turn. False when it will not train: Ctrl+C here cancels it (it
 * never started), or it was cancelled or deleted meanwhile (from a studio's Queue panel).
 */
export async function waitInQueue(context: CliContext, dataDir: string, runId: string, printer: TrainPrinter): Promise<boolean> {
  let interrupted = false
  void context.untilInterrupted().then(() => {
    interrupted = true
  })
  const me = currentProcessIdentity()
  const store = openStore(dataDir)
  try {
    const places = devicePlaces(store, dataDir)
    const run = store.runs.get(runId)
    if (!run) return false
    printer.event({ type: 'status', runId, status: 'queued', error: null, adapter: null })
    printer.event({ type: 'log', runId, level: 'info', message: queuedMessage(store, places, run) })
    for (;;) {
      if (interrupted && store.runs.cancelQueued(runId)) {
        store.runLog.append(runId, 'info', 'run cancelled while queued (Ctrl+C); it never started')
        printer.error(`run ${runId} was cancelled while queued; it never started`)
        return false
      }
      const now = store.runs.get(runId)
      if (!now || now.status !== 'queued') {
        printer.error(`run ${runId} was ${now ? now.status : 'deleted'} while it waited for its device; it did not start`)
        return false
      }
      if (places.startableBy(me, { adoptOrphans: false }).some((r) => r.id === runId) && store.runs.startQueued(runId, me)) {
        store.runLog.append(runId, 'info', `run left the queue: ${places.deviceOf(now)} is free`)
        return true
      }
      await sleep(QUEUE_POLL_MS)
    }
  } finally {
    store.close()
  }
}

function queuedMessage(store: Store, places: ReturnType<typeof devicePlaces>, run: RunRecord): string {
  const device = places.deviceOf(run)
  const training = places.trainingOn(device).map((r) => r.name)
  const ahead = places.queuedOn(device).findIndex((r) => r.id === run.id)
  const why = training.length ? `${device} is training ${training.join(', ')}` : `runs queued before it wait for ${device}`
  const message = `run ${run.name} (${run.id}) is queued: ${why}${ahead > 0 ? ` (${ahead} queued before it)` : ''}. It starts when ${device} is free; Ctrl+C cancels it, and --now trains alongside instead`
  store.runLog.append(run.id, 'info', message)
  return message
}
