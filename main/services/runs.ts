// Training runs as use cases: start (record + `train` job), cancel, resume, show, metrics,
// delete, and a cluster job's run brought home (import-job). The job process owns the run's record
// while it trains; here main only fills in what a process cannot say about itself: that it was
// killed (interrupted) or cancelled.
//
// Resume continues the SAME run (same id, folder and curves) from its newest checkpoint: its
// metrics stay one continuous curve, steps repeated after the checkpoint replace their earlier
// values, and the run a user knows by name is the one that finishes. (runs.resumed_from is
// left for "fork a new run from this one's checkpoint", which is a different use case.)
//
// A run is `starting` from the moment it is started or resumed until its training process marks
// it running, under the process that started or resumed it: a second Resume or a Delete in that window is
// refused at once. A process recorded on a run is signalled only when it is proven the run's own
// (whyNotItsProcess): a pid alone may name another program by now.
//
// A run started or resumed while other runs hold its device waits in the run queue (run-queue.ts)
// as `queued`, with no job, and starts by itself when the device frees.
import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type JobEvent, type RunConfig, type RunSummary } from '../contract'
import type { JobRunner } from '../jobs'
import {
  catalogIds,
  currentProcessIdentity,
  interruptIfOrphaned,
  isActiveRunStatus,
  liveProcessProbe,
  RUN_LOG_MAX_LINES,
  type RunRecord,
  type Store,
} from '../store'
import { defaultRunName } from '../config/run-name'
import { runFolder } from '../train/run-training'
import { whyRunCannotTrain } from '../train/resume-refusal'
import { importJob, ImportJobError } from '../train/import-job'
import { resolveTypedPath } from '../runtime/typed-path'
import { splitLeavingNothing } from './split-check'
import { createRunQueue } from './run-queue'
import { createRunChecks } from './run-checks'
import { runCheckMachine } from './run-check-machine'

/**
 * Paths in a configuration are used by a process with another working directory: make them
 * absolute (a leading ~ is the home folder, as the user typed it in a form or a YAML file).
 */
export function absoluteConfigPaths(config: RunConfig, baseDir: string): RunConfig {
  const abs = (p: string | null) => (p === null ? null : resolveTypedPath(p, baseDir))
  return {
    ...config,
    model: { ...config.model, path: resolveTypedPath(config.model.path, baseDir) },
    data: { ...config.data, train: resolveTypedPath(config.data.train, baseDir), validation: abs(config.data.validation) },
    adapter: { ...config.adapter, init: abs(config.adapter.init) },
    eval: { ...config.eval, sets: config.eval.sets.map((set) => ({ ...set, data: resolveTypedPath(set.data, baseDir) })) },
  }
}

export interface RunHandlersOptions {
  /** This process starts queued runs when their device frees (the app, web mode; not a one-shot CLI command). */
  startsQueuedRuns?: boolean
}

export function createRunHandlers(store: Store, dataDir: string, jobs: JobRunner, options: RunHandlersOptions = {}) {
  /** The checks before Start (run-checks.ts): runsStart refuses what they refuse; runsCheck tells the form. */
  const checks = createRunChecks(runCheckMachine(store, dataDir))
  /** Which job trains which run (jobs started by this process). */
  const jobOfRun = new Map<string, string>()
  const runOfJob = new Map<string, string>()

  jobs.subscribe((event: JobEvent) => {
    if (event.type !== 'ended') return
    const runId = runOfJob.get(event.jobId)
    if (!runId) return
    runOfJob.delete(event.jobId)
    // An older job of the run (one that was exiting when Resume started the next) ends nothing.
    if (jobOfRun.get(runId) !== event.jobId) return
    jobOfRun.delete(runId)
    const run = store.runs.get(runId)
    // The process ends its own run unless it could not: killed, crashed, or cancelled mid-step.
    if (!run || (run.status !== 'running' && run.status !== 'starting')) return
    if (event.state === 'cancelled') {
      store.runs.finish(runId, 'cancelled')
      store.runLog.append(runId, 'info', 'run cancelled (its process was stopped mid-step)')
    } else {
      const detail = event.error ?? 'the training process ended without finishing the run'
      const status = event.state === 'failed' ? 'failed' : 'interrupted'
      const message = status === 'failed' ? detail : `${detail} Resume the run to continue from its last checkpoint.`
      store.runs.finish(runId, status, message)
      store.runLog.append(runId, 'error', `run ${status}: ${message}`)
      // What the process printed as it died is often the only clue (a native crash, out of memory).
      if (event.lastWords) store.runLog.append(runId, 'error', `last words of the training process:\n${event.lastWords}`)
    }
  })

  function mustGet(runId: string) {
    const run = store.runs.get(runId)
    if (!run) throw new ApiCallError('not_found', `There is no run ${runId}; \`mixture-studio runs list\` shows the runs`)
    return run
  }

  /**
   * A data.split that holds out every example of the training file is refused before a run is
   * created: the run would only fail once its data was read. The count is the catalog's for an
   * imported dataset, else the file's non-blank lines (at least as many as its examples).
   */
  function refuseSplitLeavingNothing(config: RunConfig, datasetId: string | null): void {
    const nothing = splitLeavingNothing(store, config, datasetId)
    if (nothing) throw new ApiCallError('invalid_input', `${config.data.train}: ${nothing}`, [{ path: 'data.split', message: nothing }])
  }

  /** Why a Resume or Delete cannot touch a run that a process is at work on. */
  function busy(run: RunRecord): ApiCallError {
    if (run.status === 'queued') return new ApiCallError('conflict', `Run ${run.name} is queued (waiting for its device); cancel it first, or start it now`)
    return run.status === 'starting'
      ? new ApiCallError('conflict', `Run ${run.name} is starting (its training process is on its way); wait for it or cancel it`)
      : new ApiCallError('conflict', `Run ${run.name} is still training; cancel it first`)
  }

  /**
   * Before a Resume or Delete. A starting or running run is refused at once, unless its recorded
   * process is not provably its own (it died unseen): then it is marked interrupted and goes on.
   * A process that has finished its run (it wrote `cancelled` and said so) may still be exiting;
   * wait for it rather than refuse a Resume or Delete clicked on that status.
   */
  async function settled(runId: string, action: 'resumed' | 'deleted'): Promise<void> {
    const run = mustGet(runId)
    const jobId = jobOfRun.get(runId)
    if (isActiveRunStatus(run.status)) {
      const orphaned = !jobId && interruptIfOrphaned(store.runs, run, `when it was to be ${action}`, liveProcessProbe, store.runLog)
      if (!orphaned) throw busy(run)
    }
    if (jobId) await jobs.waitForEnd(jobId)
  }

  /**
   * Cancel for a starting or running run that no job of this process trains: another process's
   * (`mixture-studio train`, another studio), or one whose process died unseen. Only a process
   * proven to be the run's own is signalled; one that is not marks the run interrupted instead.
   */
  function cancelElsewhere(run: RunRecord): void {
    if (interruptIfOrphaned(store.runs, run, 'when it was cancelled; no process was signalled', liveProcessProbe, store.runLog)) return
    if (run.status === 'running' && run.pid !== null) {
      // Its own training process: it stops at the next step on SIGTERM, with a checkpoint.
      try {
        process.kill(run.pid, 'SIGTERM')
      } catch {
        // It ended meanwhile: it wrote its status, or the next start-up finds it.
      }
      return
    }
    // Starting under a live process: its training process finds the run cancelled and does not train it.
    if (store.runs.finishIfUnchanged(run, 'cancelled', null)) {
      store.runLog.append(run.id, 'info', 'run cancelled before its training began')
      return
    }
    const now = store.runs.get(run.id)
    if (now?.status === 'running') cancelElsewhere(now)
  }

  function startJob(runId: string) {
    const job = jobs.start('train', [dataDir, runId])
    jobOfRun.set(runId, job.id)
    runOfJob.set(job.id, runId)
    return { run: summary(mustGet(runId)), jobId: job.id }
  }

  // Subscribed after this file's own listener above: a job's end is recorded before the queue looks for a free device.
  const queue = createRunQueue({ store, dataDir, jobs, startJob, startsQueuedRuns: options.startsQueuedRuns ?? true })
  queue.resume()

  function queued(runId: string) {
    queue.joined(runId)
    return { run: summary(mustGet(runId)), jobId: null }
  }

  return {
    async runsStart({ config }: CallParsedInput<'runsStart'>): Promise<CallOutput<'runsStart'>> {
      const absolute = absoluteConfigPaths(config, process.cwd())
      const { modelId, datasetId } = catalogIds(store, absolute)
      refuseSplitLeavingNothing(absolute, datasetId)
      await checks.refuseUnstartable(absolute)
      const waits = queue.mustWait(absolute)
      const run = store.runs.create({ name: defaultRunName(absolute), config: absolute, method: absolute.adapter.method, modelId, datasetId }, new Date(), currentProcessIdentity(), { queued: waits })
      return waits ? queued(run.id) : startJob(run.id)
    },

    async runsCheck({ config }: CallParsedInput<'runsCheck'>): Promise<CallOutput<'runsCheck'>> {
      const absolute = absoluteConfigPaths(config, process.cwd())
      const { problems } = await checks.check(absolute)
      // The split as runsStart counts it: the form counts an imported dataset, not a file typed in.
      const nothing = splitLeavingNothing(store, absolute, catalogIds(store, absolute).datasetId)
      return { problems: nothing ? [{ path: 'data.split', message: nothing, severity: 'refusal' }, ...problems] : problems }
    },

    async runsCancel({ runId }: CallParsedInput<'runsCancel'>): Promise<CallOutput<'runsCancel'>> {
      const run = mustGet(runId)
      const jobId = jobOfRun.get(runId)
      if (run.status === 'queued') queue.cancel(runId)
      else if (jobId) await jobs.cancel(jobId)
      else if (isActiveRunStatus(run.status)) cancelElsewhere(run)
      return summary(mustGet(runId))
    },

    async runsResume({ runId }: CallParsedInput<'runsResume'>): Promise<CallOutput<'runsResume'>> {
      await settled(runId, 'resumed')
      const run = mustGet(runId)
      // Completed, or its folder or checkpoints gone (it would start over from step 0): say so, change nothing.
      const refusal = whyRunCannotTrain(store, run, runFolder(dataDir, runId))
      if (refusal) throw new ApiCallError('conflict', refusal)
      // Queued at once, in the statement that checks it is still stopped: of two Resumes, one wins
      // and the other is refused now, not when the winner's training ends.
      const waits = queue.mustWait(run.config)
      if (!store.runs.claimForResume(runId, currentProcessIdentity(), new Date(), { queued: waits })) throw busy(mustGet(runId))
      return waits ? queued(runId) : startJob(runId)
    },

    runsQueue: queue.runsQueue,
    runsQueueMove: queue.runsQueueMove,

    async runsStartNow({ runId }: CallParsedInput<'runsStartNow'>): Promise<CallOutput<'runsStartNow'>> {
      queue.startNow(runId)
      return { run: summary(mustGet(runId)), jobId: jobOfRun.get(runId) ?? null }
    },

    async runsShow({ runId }: CallParsedInput<'runsShow'>): Promise<CallOutput<'runsShow'>> {
      const run = mustGet(runId)
      // The run's own adapter folder, not a user's later `export --format native` copy of it.
      const own = join(runFolder(dataDir, runId), 'adapter')
      const adapter = store.artifacts.listExports(runId).find((e) => e.format === 'native' && resolve(e.path) === resolve(own) && existsSync(e.path))?.path ?? null
      return {
        run: summary(run),
        config: run.config,
        folder: runFolder(dataDir, runId),
        latest: store.metrics.latest(runId),
        // Only what can still be read: a checkpoint folder deleted since it was recorded is not offered.
        checkpoints: store.artifacts.listCheckpoints(runId).filter((c) => existsSync(c.path)).map(({ step, path, createdAt }) => ({ step, path, createdAt })),
        adapter,
        importedFrom: importedFrom(store, runId),
      }
    },

    async runsMetrics({ runId, names, sinceStep }: CallParsedInput<'runsMetrics'>): Promise<CallOutput<'runsMetrics'>> {
      mustGet(runId)
      const wanted = names ?? store.metrics.names(runId)
      const series = Object.fromEntries(wanted.map((name) => [name, sinceStep === undefined ? store.metrics.curve(runId, name) : store.metrics.curveSince(runId, name, sinceStep)]))
      return { runId, series }
    },

    async runsLog({ runId, afterId, limit }: CallParsedInput<'runsLog'>): Promise<CallOutput<'runsLog'>> {
      mustGet(runId)
      const lines = store.runLog.list(runId, { ...(afterId !== undefined ? { afterId } : {}), ...(limit !== undefined ? { limit } : {}) })
      return { runId, lines, total: store.runLog.count(runId), maxLines: RUN_LOG_MAX_LINES }
    },

    async runsAnswers({ runId, sinceStep }: CallParsedInput<'runsAnswers'>): Promise<CallOutput<'runsAnswers'>> {
      mustGet(runId)
      return { runId, answers: store.runAnswers.list(runId, sinceStep ?? -1) }
    },

    async runsImportJob({ folder, out, name }: CallParsedInput<'runsImportJob'>): Promise<CallOutput<'runsImportJob'>> {
      // Paths as the user typed them, from where they typed them (a leading ~ is the home folder).
      const options = { folder: resolveTypedPath(folder, process.cwd()), ...(out ? { out: resolveTypedPath(out, process.cwd()) } : {}), ...(name ? { name } : {}) }
      try {
        const imported = importJob(store, dataDir, options)
        return {
          run: summary(mustGet(imported.runId)),
          folder: imported.runFolder,
          jobFolder: imported.jobFolder,
          jobId: imported.jobId,
          step: imported.step,
          checkpoints: imported.checkpoints,
          adapter: imported.adapter,
          stopped: imported.stopped,
        }
      } catch (error) {
        if (!(error instanceof ImportJobError)) throw error
        throw new ApiCallError(error.reason === 'not_found' ? 'not_found' : error.reason === 'already_imported' ? 'conflict' : 'invalid_input', error.message)
      }
    },

    async runsDelete({ runId }: CallParsedInput<'runsDelete'>): Promise<CallOutput<'runsDelete'>> {
      await settled(runId, 'deleted')
      const run = mustGet(runId)
      // A Resume that claimed the run while this call waited wins: it is not deleted under it.
      if (!store.runs.deleteUnlessActive(runId)) throw busy(mustGet(runId))
      rmSync(runFolder(dataDir, runId), { recursive: true, force: true })
      return summary(run)
    },
  }
}

/** The cluster job a run was imported from (runs import-job); null for a run trained here. */
function importedFrom(store: Store, runId: string): CallOutput<'runsShow'>['importedFrom'] {
  const job = store.importedJobs.ofRun(runId)
  return job ? { folder: job.folder, jobId: job.jobId, importedAt: job.importedAt } : null
}

function summary(run: RunSummary): RunSummary {
  const { id, name, status, method, modelId, datasetId, createdAt, startedAt, finishedAt, error, resumedFrom, trainingSeconds, segmentStartedAt, trainedOn, totalSteps, bestStep, stoppedEarly } = run
  return { id, name, status, method, modelId, datasetId, createdAt, startedAt, finishedAt, error, resumedFrom, trainingSeconds, segmentStartedAt, trainedOn, totalSteps, bestStep, stoppedEarly }
}
