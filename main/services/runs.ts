// Training runs as use cases: start (record + `train` job), cancel, resume, show, metrics,
// delete. The job process owns the run's record while it trains; here main only fills in what
// a process cannot say about itself: that it was killed (interrupted) or cancelled.
//
// Resume continues the SAME run (same id, folder and curves) from its newest checkpoint: its
// metrics stay one continuous curve, steps repeated after the checkpoint replace their earlier
// values, and the run a user knows by name is the one that finishes. (runs.resumed_from is
// left for "fork a new run from this one's checkpoint", which is a different use case.)
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type JobEvent, type RunConfig, type RunSummary } from '../contract'
import type { JobRunner } from '../jobs'
import { RUN_LOG_MAX_LINES, type Store } from '../store'
import { defaultRunName, runFolder } from '../train/run-training'

/** Paths in a configuration are used by a process with another working directory: make them absolute. */
export function absoluteConfigPaths(config: RunConfig, baseDir: string): RunConfig {
  const abs = (p: string | null) => (p === null ? null : resolve(baseDir, p))
  return {
    ...config,
    model: resolve(baseDir, config.model),
    data: { ...config.data, train: resolve(baseDir, config.data.train), validation: abs(config.data.validation) },
    adapter: { ...config.adapter, init: abs(config.adapter.init) },
  }
}

export function createRunHandlers(store: Store, dataDir: string, jobs: JobRunner) {
  /** Which job trains which run (jobs started by this process). */
  const jobOfRun = new Map<string, string>()
  const runOfJob = new Map<string, string>()

  jobs.subscribe((event: JobEvent) => {
    if (event.type !== 'ended') return
    const runId = runOfJob.get(event.jobId)
    if (!runId) return
    runOfJob.delete(event.jobId)
    jobOfRun.delete(runId)
    const run = store.runs.get(runId)
    // The process ends its own run unless it could not: killed, crashed, or cancelled mid-step.
    if (!run || (run.status !== 'running' && run.status !== 'queued')) return
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
   * A process that has finished its run (it wrote `cancelled` and said so) may still be exiting;
   * wait for it rather than refuse a Resume or Delete clicked on that status.
   */
  async function settled(runId: string): Promise<void> {
    const run = mustGet(runId)
    const jobId = jobOfRun.get(runId)
    if (run.status === 'running' || run.status === 'queued') {
      if (jobId || run.status === 'running') throw new ApiCallError('conflict', `Run ${run.name} is still training; cancel it first`)
    }
    if (jobId) await jobs.waitForEnd(jobId)
  }

  function startJob(runId: string) {
    const job = jobs.start('train', [dataDir, runId])
    jobOfRun.set(runId, job.id)
    runOfJob.set(job.id, runId)
    return { run: summary(mustGet(runId)), jobId: job.id }
  }

  return {
    async runsStart({ config }: CallParsedInput<'runsStart'>): Promise<CallOutput<'runsStart'>> {
      const absolute = absoluteConfigPaths(config, process.cwd())
      const { modelId, datasetId } = catalogIds(store, absolute)
      const run = store.runs.create({ name: defaultRunName(absolute), config: absolute, method: absolute.adapter.method, modelId, datasetId })
      return startJob(run.id)
    },

    async runsCancel({ runId }: CallParsedInput<'runsCancel'>): Promise<CallOutput<'runsCancel'>> {
      const run = mustGet(runId)
      const jobId = jobOfRun.get(runId)
      if (jobId) await jobs.cancel(jobId)
      else if (run.status === 'running' && run.pid !== null) {
        // Trained by another process (e.g. `mixture-studio train`): it stops at the next step on SIGTERM.
        try {
          process.kill(run.pid, 'SIGTERM')
        } catch {
          // Already gone: start-up recovery marks it interrupted.
        }
      } else if (run.status === 'queued') store.runs.finish(runId, 'cancelled')
      return summary(mustGet(runId))
    },

    async runsResume({ runId }: CallParsedInput<'runsResume'>): Promise<CallOutput<'runsResume'>> {
      await settled(runId)
      const run = mustGet(runId)
      if (run.status === 'completed') throw new ApiCallError('conflict', `Run ${runId} is completed; start a new run (adapter.init: its adapter folder) to train further`)
      return startJob(runId)
    },

    async runsShow({ runId }: CallParsedInput<'runsShow'>): Promise<CallOutput<'runsShow'>> {
      const run = mustGet(runId)
      // The run's own adapter folder, not a user's later `export --format native` copy of it.
      const own = join(runFolder(dataDir, runId), 'adapter')
      const adapter = store.artifacts.listExports(runId).find((e) => e.format === 'native' && resolve(e.path) === resolve(own))?.path ?? null
      return {
        run: summary(run),
        config: run.config,
        folder: runFolder(dataDir, runId),
        latest: store.metrics.latest(runId),
        checkpoints: store.artifacts.listCheckpoints(runId).map(({ step, path, createdAt }) => ({ step, path, createdAt })),
        adapter,
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

    async runsDelete({ runId }: CallParsedInput<'runsDelete'>): Promise<CallOutput<'runsDelete'>> {
      await settled(runId)
      const run = mustGet(runId)
      store.runs.delete(runId)
      rmSync(runFolder(dataDir, runId), { recursive: true, force: true })
      return summary(run)
    },
  }
}

/** The registered model and dataset a configuration names by path, so lists can show their names. */
function catalogIds(store: Store, config: RunConfig): { modelId: string | null; datasetId: string | null } {
  const model = store.catalog.findModelByPath(config.model) ?? store.catalog.listModels().find((m) => resolve(m.path) === config.model)
  const dataset = store.datasets.list().find((d) => resolve(d.path) === config.data.train)
  return { modelId: model?.id ?? null, datasetId: dataset?.id ?? null }
}

function summary(run: RunSummary): RunSummary {
  const { id, name, status, method, modelId, datasetId, createdAt, startedAt, finishedAt, error, resumedFrom, trainingSeconds, segmentStartedAt, trainedOn } = run
  return { id, name, status, method, modelId, datasetId, createdAt, startedAt, finishedAt, error, resumedFrom, trainingSeconds, segmentStartedAt, trainedOn }
}
