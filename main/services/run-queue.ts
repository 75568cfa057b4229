// One training run at a time per device, by default (docs/DESIGN.md "The run queue"). Two runs
// on one device each train at about half speed, and a second run on a GPU may run out of its
// memory, so a run started or resumed while its device is taken waits as `queued`, in order, and
// starts by itself when the device frees: when a run on it ends (completed, failed, cancelled,
// interrupted), and when a studio opens and finds queued runs left by one that closed.
//
// The queue is the runs table (status `queued`, queue_position), not memory: every studio and
// `mixture-studio train` sharing a data folder sees one queue, and it survives a restart. A queued
// run is started by the process that queued it; one whose process is gone (the studio closed) is
// adopted by the studio that finds it. A run queued by `mixture-studio train`, which trains in its
// own process, is started by that process, and nothing behind it jumps ahead meanwhile.
import { ApiCallError, RunConfig, runTrainingSeconds, type CallOutput, type CallParsedInput, type JobEvent, type RunDevice, type RunStatus } from '../contract'
import type { JobRunner } from '../jobs'
import { currentProcessIdentity, type RunRecord, type Store } from '../store'
import { createEstimateHandlers } from './estimate'
import { devicePlaces } from './device-places'
import type { DeviceResolver } from './run-device'
import { expectedStarts, type RunOnDevice } from './run-queue-times'

/** How often a studio looks whether a device freed that no job of its own held (`mixture-studio train` ended, another studio's run). */
const QUEUE_POLL_MS = 2000

export interface RunQueueOptions {
  store: Store
  dataDir: string
  jobs: JobRunner
  /** Starts the training job of a run that is `starting` under this process. */
  startJob(runId: string): void
  /** This process starts queued runs (the app, web mode); a one-shot CLI command does not, or it would start runs it cannot wait for. */
  startsQueuedRuns: boolean
  resolveDevice?: DeviceResolver
}

export type RunQueue = ReturnType<typeof createRunQueue>

export function createRunQueue(options: RunQueueOptions) {
  const { store, dataDir, jobs } = options
  const me = currentProcessIdentity()
  const places = devicePlaces(store, dataDir, options.resolveDevice)
  const { deviceOf, placesPerDevice, trainingOn, queuedOn } = places
  const isQueuedElsewhere = (run: RunRecord) => places.isQueuedElsewhere(run, me)
  const estimates = createEstimateHandlers(store, dataDir)
  /** A queued run's own estimated seconds, by run id: its configuration does not change while it waits. */
  const ownSeconds = new Map<string, Promise<number | null>>()

  function announce(runId: string, status: RunStatus): void {
    jobs.publishRunEvent({ type: 'status', runId, status, error: null, adapter: null })
  }

  /** Starts every queued run whose device has a free place, first in the queue first. */
  function startWhatFits(): void {
    if (!options.startsQueuedRuns || jobs.isShuttingDown || !store.db.open) return
    for (const run of places.startableBy(me, { adoptOrphans: true })) {
      if (!store.runs.startQueued(run.id, me)) continue // cancelled, or another studio started it a moment ago
      store.runLog.append(run.id, 'info', `run left the queue: ${deviceOf(run)} is free`)
      announce(run.id, 'starting')
      options.startJob(run.id)
    }
  }

  function startWhatFitsSafely(): void {
    try {
      startWhatFits()
    } catch (error) {
      // A tick must not take the studio down; the next one tries again.
      console.error('the run queue could not start the next run', error)
    }
  }

  // A run this studio trains ended (runs.ts has recorded how, in its own listener, subscribed first).
  jobs.subscribe((event: JobEvent) => {
    if (event.type === 'ended') startWhatFitsSafely()
  })
  if (options.startsQueuedRuns) {
    const poll = setInterval(() => {
      if (!store.db.open) clearInterval(poll)
      else if (store.runs.listQueued().length > 0) startWhatFitsSafely()
    }, QUEUE_POLL_MS)
    poll.unref()
  }

  function mustBeQueued(runId: string): RunRecord {
    const run = store.runs.get(runId)
    if (!run) throw new ApiCallError('not_found', `There is no run ${runId}; \`mixture-studio runs list\` shows the runs`)
    if (run.status !== 'queued') throw new ApiCallError('conflict', `Run ${run.name} is not queued (it is ${run.status})`)
    return run
  }

  /** Seconds until a training run ends: its remaining steps at the pace it has trained so far. */
  function remainingSeconds(run: RunRecord): number | null {
    const step = store.metrics.latest(run.id).loss?.step
    const trained = runTrainingSeconds(run)
    if (run.status !== 'running' || run.totalSteps === null || !step || !trained) return null
    return Math.max(0, ((run.totalSteps - step) * trained) / step)
  }

  /** A queued run's estimate (runsEstimate's time); a resumed one counts only the steps it has left. */
  function estimateOf(run: RunRecord): Promise<number | null> {
    const known = ownSeconds.get(run.id)
    if (known) return known
    const estimate = (async () => {
      try {
        const { time } = await estimates.runsEstimate({ config: RunConfig.parse(run.config) })
        const step = store.metrics.latest(run.id).loss?.step
        return run.totalSteps !== null && step ? Math.max(0, run.totalSteps - step) * time.secondsPerStep : time.totalSeconds
      } catch {
        return null // its model folder is gone, say: the panel says "after <run>" instead of a time
      }
    })()
    ownSeconds.set(run.id, estimate)
    return estimate
  }

/** Every queued run, first to start first, with its position on its device and when it is expected to start. */
async function runsQueue(): Promise<CallOutput<'runsQueue'>> {
    const queued = store.runs.listQueued()
    const perDevice = placesPerDevice()
    const byDevice = new Map<RunDevice, RunRecord[]>()
    for (const run of queued) byDevice.set(deviceOf(run), [...(byDevice.get(deviceOf(run)) ?? []), run])
    const facts = new Map<string, { device: RunDevice; position: number; start: ReturnType<typeof expectedStarts>[number] }>()
    for (const [device, waiting] of byDevice) {
      const training: RunOnDevice[] = trainingOn(device).map((run) => ({ runId: run.id, name: run.name, seconds: remainingSeconds(run) }))
      const own = await Promise.all(waiting.map((run) => estimateOf(run)))
      const starts = expectedStarts(training, waiting.map((run, i) => ({ runId: run.id, name: run.name, seconds: own[i] })), perDevice)
      waiting.forEach((run, i) => facts.set(run.id, { device, position: i + 1, start: starts[i] }))
    }
    return {
      runsAtOncePerDevice: perDevice,
      runs: queued.map((run) => {
        const { device, position, start } = facts.get(run.id)!
        return { runId: run.id, name: run.name, method: run.method, device, position, startsInSeconds: start.startsInSeconds, after: start.after, queuedElsewhere: isQueuedElsewhere(run) }
      }),
    }
  }

  return {
    mustWait: places.mustWait,

    /** A run just queued (new or resumed): its log says what it waits for. */
    joined(runId: string): void {
      const run = store.runs.get(runId)
      if (!run) return
      const device = deviceOf(run)
      const holders = trainingOn(device).map((r) => r.name)
      const ahead = queuedOn(device).findIndex((r) => r.id === runId)
      const why = holders.length ? `${device} is training ${holders.join(', ')}` : `${device} has runs waiting before it`
      store.runLog.append(runId, 'info', `run queued (${why}; ${ahead} ahead of it); it starts by itself when ${device} is free`)
      announce(runId, 'queued')
      // Its device may have a place after all (queued behind runs that started meanwhile).
      startWhatFitsSafely()
    },

    /** Cancels a queued run: it ends `cancelled` without ever starting, and nothing was written for it. */
    cancel(runId: string): void {
      if (!store.runs.cancelQueued(runId)) return
      store.runLog.append(runId, 'info', 'run cancelled while queued; it never started')
      ownSeconds.delete(runId)
      announce(runId, 'cancelled')
      startWhatFitsSafely()
    },

    /** After a studio opens: queued runs left by one that closed start as their devices allow. */
    resume: startWhatFitsSafely,

    runsQueue,

    async runsQueueMove({ runId, direction }: CallParsedInput<'runsQueueMove'>): Promise<CallOutput<'runsQueueMove'>> {
      mustBeQueued(runId)
      if (store.runs.moveInQueue(runId, direction)) announce(runId, 'queued')
      return runsQueue()
    },

    /** Starts a queued run now, beside the runs on its device (the user chose to share it). */
    startNow(runId: string): void {
      const run = mustBeQueued(runId)
      if (isQueuedElsewhere(run)) {
        throw new ApiCallError('conflict', `Run ${run.name} was queued by another process (${run.pid}, \`mixture-studio train\`), which starts it itself; cancel it there, or run it there with --now`)
      }
      if (!store.runs.startQueued(runId, me)) throw new ApiCallError('conflict', `Run ${run.name} is no longer queued`)
      store.runLog.append(runId, 'info', `run started now, alongside the runs on ${deviceOf(run)} (Start now)`)
      announce(runId, 'starting')
      options.startJob(runId)
    },
  }
}
