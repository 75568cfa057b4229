// `runs import-job DIR`: a torchrun job folder's run brought into the history (docs/DESIGN.md "The
// cluster job"). Everything is read and checked first (job.json, metrics.jsonl, every checkpoint,
// the adapter); the run's folder is then written under a temporary name and, in one store
// transaction, the run, its curve, checkpoints, adapter and origin are recorded and the folder is
// renamed into place. A failure anywhere leaves no run and no folder behind.
//
// The run folder is the app's (runFolder): config.json, checkpoints/step-N/ and, for a job that
// trained to its end, adapter/. So export, eval, the Playground and Compare use it as any run, and
// a job that stopped early (imported `cancelled` at its newest checkpoint) resumes here, on this
// machine, through the app's own Resume.
import { randomUUID } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defaultRunName } from '../../config/run-name'
import { catalogIds, isJobImportedTwice, runsDir, type Store } from '../../store'
import { writeImportOrigin } from '../../store/import-origin-file'
import { runFolder } from '../run-training'
import { ImportJobError } from './import-job-error'
import { JOB_FILE, readJobFile, type JobFile } from './job-file'
import { describeJobStart, jobMetricSamples, parseJobMetrics, type JobMetrics } from './job-metrics'
import { checkJobAdapter, readJobCheckpoints, type JobCheckpoint } from './job-outputs'
import { importTempFolder, removeAbandonedImports } from './import-temp'

export const METRICS_FILE = 'metrics.jsonl'

export interface ImportJobOptions {
  /** The job folder (job.json). */
  folder: string
  /** Its outputs (train.py's --out); default <folder>/out. */
  out?: string
  /** The run's name; default the exported run's, with "(cluster job)". */
  name?: string
  now?: Date
}

export interface ImportedJobRun {
  runId: string
  name: string
  status: 'completed' | 'cancelled'
  /** The run's folder in the data folder. */
  runFolder: string
  jobFolder: string
  jobId: string
  /** The last step the job logged. */
  step: number
  /** The steps of its checkpoints, oldest first. */
  checkpoints: number[]
  /** The run's adapter/ (completed jobs). */
  adapter: string | null
  trainedOn: string
  /** Why a job that did not reach its end was imported as cancelled, and what Resume does with it; null when completed. */
  stopped: string | null
}

/** Imports the job at `options.folder` into `store` (whose data folder is `dataDir`). Throws an ImportJobError, changing nothing, when it cannot. */
export function importJob(store: Store, dataDir: string, options: ImportJobOptions): ImportedJobRun {
  const now = options.now ?? new Date()
  const jobFolder = resolve(options.folder)
  if (!isFolder(jobFolder)) throw new ImportJobError(`${jobFolder} is not a folder: give the job folder \`mixture-studio export RUN --format torchrun\` wrote`, 'not_found')
  const job = readJobFile(join(jobFolder, JOB_FILE))
  refuseImportedAlready(store, job, jobFolder)
  const outDir = resolve(options.out ?? join(jobFolder, 'out'))
  const read = readOutputs(job, outDir)
  const { metrics, checkpoints } = read

  const runId = randomUUID()
  const name = options.name ?? `${job.run?.name ?? defaultRunName(job.config)} (cluster job)`
  const finalFolder = runFolder(dataDir, runId)
  removeAbandonedImports(runsDir(dataDir))
  const temp = importTempFolder(runsDir(dataDir), runId)
  const start = metrics.starts[0]
  const trainedOn = describeJobStart(metrics.starts.at(-1)!)
  const lastStep = metrics.steps.at(-1)?.step ?? 0
  const status = read.adapterDir ? 'completed' : 'cancelled'
  const stopped = status === 'completed' ? null : stoppedWords(read.why!, checkpoints, lastStep)
  const finishedAt = later(start.startedAt, metrics.end?.completedAt ?? checkpoints.at(-1)?.savedAt ?? start.startedAt)
  const seconds = trainedSeconds(metrics, start.startedAt, finishedAt)
  const bestStep = bestCheckpoint(checkpoints)
  let renamed = false
  try {
    writeRunFolder(temp, job, checkpoints, read.adapterDir)
    writeImportOrigin(temp, {
      job_id: job.jobId, folder: jobFolder, imported_at: now.toISOString(), trained_on: trainedOn,
      name, started_at: start.startedAt.toISOString(), finished_at: finishedAt.toISOString(), trained_seconds: seconds,
    })
    const finalCheckpoint = (step: number) => join(finalFolder, 'checkpoints', `step-${step}`)
    store.db.transaction(() => {
      store.runs.addFound({
        id: runId,
        name,
        config: job.config,
        method: job.config.adapter.method,
        ...catalogIds(store, job.config),
        status,
        createdAt: start.startedAt,
        startedAt: start.startedAt,
        finishedAt,
        error: null,
        trainedSeconds: seconds,
        trainedOn,
      })
      const totalSteps = job.totalSteps ?? job.config.train.max_steps
      if (totalSteps !== null) store.runs.setTotalSteps(runId, totalSteps)
      if (bestStep !== null) store.runs.setBestStep(runId, bestStep)
      if (status === 'completed' && metrics.end!.stoppedEarly) store.runs.markStoppedEarly(runId)
      store.metrics.append(runId, jobMetricSamples(metrics))
      for (const c of checkpoints) store.artifacts.putCheckpoint(runId, c.step, finalCheckpoint(c.step), c.savedAt)
      // As a run that completes here records it: its own adapter is its native export (runsShow offers it).
      if (read.adapterDir) store.artifacts.addExport(runId, 'native', join(finalFolder, 'adapter'), metrics.end!.completedAt)
      store.importedJobs.add({ runId, jobId: job.jobId, folder: jobFolder, importedAt: now.toISOString() })
      const restarts = metrics.starts.length > 1 ? ` It was resumed ${countWords(metrics.starts.length - 1, 'time')} on the cluster.` : ''
      const outputs = options.out ? ` with its outputs from ${outDir}` : ''
      store.runLog.append(runId, 'info', `imported from the cluster job at ${jobFolder} (job ${job.jobId})${outputs}: ${lastStep} steps, ${countWords(checkpoints.length, 'checkpoint')}${read.adapterDir ? ' and its adapter' : ''}; trained on ${trainedOn}.${restarts}`, now)
      if (status === 'completed' && metrics.end!.stoppedEarly) store.runLog.append(runId, 'info', metrics.end!.stoppedEarly, now)
      if (metrics.cutShort !== null) store.runLog.append(runId, 'warn', `line ${metrics.cutShort} of ${METRICS_FILE} was cut short (the job was killed while writing it) and is left out`, now)
      if (stopped) store.runLog.append(runId, 'warn', stopped, now)
      // Last, so a folder is in place only for a run that is recorded; a failed rename rolls the records back.
      renameSync(temp, finalFolder)
      renamed = true
    })()
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    if (renamed) rmSync(finalFolder, { recursive: true, force: true })
    if (isJobImportedTwice(error)) refuseImportedAlready(store, job, jobFolder)
    throw error
  }
  return {
    runId,
    name,
    status,
    runFolder: finalFolder,
    jobFolder,
    jobId: job.jobId,
    step: lastStep,
    checkpoints: checkpoints.map((c) => c.step),
    adapter: read.adapterDir ? join(finalFolder, 'adapter') : null,
    trainedOn,
    stopped,
  }
}

interface JobOutputs {
  metrics: JobMetrics
  checkpoints: JobCheckpoint[]
  /** The job's adapter/ when it trained to its end (checked), else null. */
  adapterDir: string | null
  /** Why it is not complete; null when it is. */
  why: string | null
}

/** Reads and checks everything in `outDir` the import records. */
function readOutputs(job: JobFile, outDir: string): JobOutputs {
  if (!isFolder(outDir)) throw new ImportJobError(`${outDir} does not exist: the job has not run yet, or its outputs are elsewhere (give that folder with --out, as train.py was given it)`, 'not_found')
  const metricsFile = join(outDir, METRICS_FILE)
  if (!existsSync(metricsFile)) throw new ImportJobError(`${metricsFile} does not exist: the job has not started training (train.py writes it from its first moment)`, 'not_found')
  const metrics = parseJobMetrics(readFileSync(metricsFile, 'utf8'), metricsFile)
  for (const start of metrics.starts) {
    if (start.jobId !== job.jobId) {
      throw new ImportJobError(`${metricsFile}:${start.line}: field "job_id" is "${start.jobId}", but ${job.path} is job "${job.jobId}": these outputs are another job's (give this job's with --out)`)
    }
  }
  const checkpoints = readJobCheckpoints(join(outDir, 'checkpoints'), job.config, job.parameters)
  if (metrics.steps.length === 0 && checkpoints.length === 0) throw new ImportJobError(`${metricsFile}: the job has not finished a step yet, so there is nothing to import`)
  const adapterDir = join(outDir, 'adapter')
  const hasAdapter = existsSync(adapterDir)
  if (metrics.end && hasAdapter) {
    checkJobAdapter(adapterDir, job.parameters, metrics.end.step)
    return { metrics, checkpoints, adapterDir, why: null }
  }
  const why = metrics.end
    ? `${METRICS_FILE} ends with the job's end line, but ${adapterDir} is missing (copy it from the cluster too)`
    : `${METRICS_FILE} has no end line: the job stopped before its last step${hasAdapter ? ` (its ${adapterDir} is not from its end)` : ''}, or is still running`
  return { metrics, checkpoints, adapterDir: null, why }
}

/** Writes the run's folder at `dir`: its configuration (as a run's training writes it), the checkpoints, the adapter. */
function writeRunFolder(dir: string, job: JobFile, checkpoints: readonly JobCheckpoint[], adapterDir: string | null): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(job.config, null, 2)}\n`)
  for (const c of checkpoints) cpSync(c.path, join(dir, 'checkpoints', `step-${c.step}`), { recursive: true })
  if (adapterDir) cpSync(adapterDir, join(dir, 'adapter'), { recursive: true })
}

function refuseImportedAlready(store: Store, job: JobFile, jobFolder: string): void {
  const earlier = store.importedJobs.byJobId(job.jobId)
  if (!earlier) return
  const run = store.runs.get(earlier.runId)
  throw new ImportJobError(
    `${jobFolder}: job ${job.jobId} was imported already, as run "${run?.name ?? earlier.runId}" (${earlier.runId}) from ${earlier.folder} at ${earlier.importedAt}; ` +
      `\`mixture-studio runs show ${earlier.runId}\` shows it. Delete that run to import the job again (a job still running when it was imported, say).`,
    'already_imported',
  )
}

/**
 * The checkpoint that scored best on the watched metric, as the app's trainer records it: the newest
 * checkpoint's best state names it (train.py, like the trainer, saves every improvement and keeps
 * it when pruning). Null when the run watches none, or its checkpoint was not copied home.
 */
function bestCheckpoint(checkpoints: readonly JobCheckpoint[]): number | null {
  const best = checkpoints.at(-1)?.best
  return best && checkpoints.some((c) => c.step === best.step) ? best.step : null
}

function stoppedWords(why: string, checkpoints: readonly JobCheckpoint[], lastStep: number): string {
  const newest = checkpoints.at(-1)
  const resume = newest
    ? `imported as cancelled at its newest checkpoint, step ${newest.step}${lastStep > newest.step ? ` (its curve goes on to step ${lastStep})` : ''}: Resume trains it on here from there`
    : `imported as cancelled at step ${lastStep} with no checkpoint: resuming it here starts it again from step 0`
  return `${why}; ${resume}.`
}

/**
 * One start line: from it to the job's end (or its newest checkpoint). A job resumed on the cluster
 * (resume lines): the steps' own times, where they are given (the time between its runs is not training).
 */
function trainedSeconds(metrics: JobMetrics, startedAt: Date, finishedAt: Date): number {
  const timed = metrics.steps.filter((s) => s.seconds !== null)
  if (metrics.starts.length > 1 && timed.length === metrics.steps.length && timed.length > 0) return timed.reduce((sum, s) => sum + s.seconds!, 0)
  return (finishedAt.getTime() - startedAt.getTime()) / 1000
}

function later(a: Date, b: Date): Date {
  return b > a ? b : a
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function countWords(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
