// After `store restore` puts a backup in place, the runs recorded after that backup was made are
// missing from the store, though their folders under runs/ are still there. This registers each
// such folder again, from what the folder holds (read-run-folder.ts): the run with its
// configuration, its complete checkpoints and its own adapter, so it is listed, shown, exported
// and resumed like any other run. Its curves and log lines were only in the database: they stay lost.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { defaultRunName } from '../config/run-name'
import { catalogIds } from './catalog-ids'
import { runsDir } from './data-dir'
import { readRunFolder, RUN_CONFIG_FILE, type RunFolderContents } from './read-run-folder'
import { ArtifactsRepo } from './repos/artifacts-repo'
import { CatalogRepo } from './repos/catalog-repo'
import { DatasetsRepo } from './repos/datasets-repo'
import { ImportedJobsRepo } from './repos/imported-jobs-repo'
import { RunLogRepo } from './repos/run-log-repo'
import { RunsRepo, type FoundRun } from './repos/runs-repo'

export interface ReregisteredRun {
  id: string
  name: string
  folder: string
  status: FoundRun['status']
  /** The steps of its complete checkpoints, oldest first. */
  checkpointSteps: number[]
  /** train.max_steps; null for a run by epochs (its count was only in the database). */
  maxSteps: number | null
}

export interface SkippedRunFolder {
  folder: string
  /** What is wrong with it, for the user to fix (then restore again). */
  reason: string
}

export interface Reregistration {
  runs: ReregisteredRun[]
  skipped: SkippedRunFolder[]
}

/**
 * Registers every folder under `<dataDir>/runs/` whose run the database `db` does not know, in
 * one transaction: all of them or, when the database fails, none. A folder whose config.json is
 * missing or unreadable is skipped and listed with why. `restoredFrom` (the backup's name) is
 * named in each run's message and log.
 */
export function reregisterRunFolders(db: Database, dataDir: string, restoredFrom: string, now = new Date()): Reregistration {
  const runs = new RunsRepo(db)
  const found: { id: string; folder: string; contents: RunFolderContents }[] = []
  const skipped: SkippedRunFolder[] = []
  for (const id of runFolderNames(dataDir)) {
    if (runs.get(id)) continue
    const folder = join(runsDir(dataDir), id)
    try {
      found.push({ id, folder, contents: readRunFolder(folder) })
    } catch (error) {
      skipped.push({ folder, reason: (error as Error).message })
    }
  }
  // Files are read first, outside the transaction: it holds the write lock only to write.
  const registered = db.transaction(() => found.map(({ id, folder, contents }) => register(db, id, folder, contents, restoredFrom, now)))()
  return { runs: registered, skipped }
}

/** Folders under runs/, named by run id; anything else there (files, hidden folders) is not a run's. */
function runFolderNames(dataDir: string): string[] {
  try {
    return readdirSync(runsDir(dataDir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
      .map((entry) => entry.name)
      .sort()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}

function register(db: Database, id: string, folder: string, contents: RunFolderContents, restoredFrom: string, now: Date): ReregisteredRun {
  const { config, startedAt, checkpoints, adapter } = contents
  const state = stateOf(contents, restoredFrom)
  const newest = checkpoints.at(-1)
  // The last thing the run wrote: its adapter when it completed, else its newest checkpoint.
  const lastWrite = state.status === 'completed' ? adapter!.writtenAt : (newest?.savedAt ?? startedAt)
  const finishedAt = lastWrite > startedAt ? lastWrite : startedAt
  // A run imported from a cluster job: its files were written by the import, its record is in its origin file.
  const origin = contents.origin
  const name = origin?.name ?? defaultRunName(config)
  new RunsRepo(db).addFound({
    id,
    name,
    config,
    method: config.adapter.method,
    ...catalogIds({ catalog: new CatalogRepo(db), datasets: new DatasetsRepo(db) }, config),
    status: state.status,
    // config.json is written as the run's training first starts, moments after the run was recorded.
    createdAt: origin ? new Date(origin.started_at) : startedAt,
    startedAt: origin ? new Date(origin.started_at) : startedAt,
    finishedAt: origin ? new Date(origin.finished_at) : finishedAt,
    error: state.error,
    // From its first start to its last write: exact for a run trained in one go, more when it was stopped and resumed.
    trainedSeconds: origin?.trained_seconds ?? (finishedAt.getTime() - startedAt.getTime()) / 1000,
    trainedOn: origin?.trained_on ?? 'not recorded (registered again from its folder after a restore)',
  })
  const artifacts = new ArtifactsRepo(db)
  for (const checkpoint of checkpoints) artifacts.putCheckpoint(id, checkpoint.step, checkpoint.path, checkpoint.savedAt)
  // As training records it: the run's own adapter is its native export (runsShow offers it as the run's adapter).
  if (state.status === 'completed') artifacts.addExport(id, 'native', adapter!.path, adapter!.writtenAt)
  new RunLogRepo(db).append(
    id,
    'warn',
    `registered again from its folder ${folder} after studio.db was restored from ${restoredFrom}, a backup made before this run: ` +
      `${listed([`its ${RUN_CONFIG_FILE}`, `${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'}`, ...(state.status === 'completed' ? ['its adapter'] : [])])} were found there; ` +
      `its curves (metrics) and log lines were only in the database and are lost` +
      (origin ? '' : `, and its training time is estimated from its files' times`) +
      originNote(db, id, contents),
    now,
  )
  return { id, name, folder, status: state.status, checkpointSteps: checkpoints.map((c) => c.step), maxSteps: config.train.max_steps }
}

/**
 * A run imported from a cluster job gets its origin back (imported_jobs), so the job is still
 * refused a second import; unless the restored store has that job as another run already. Returns
 * what the log line says of it.
 */
function originNote(db: Database, id: string, contents: RunFolderContents): string {
  if (contents.originProblem) return `; it came from a cluster job, but ${contents.originProblem}, so its origin is lost`
  const origin = contents.origin
  if (!origin) return ''
  const jobs = new ImportedJobsRepo(db)
  const other = jobs.byJobId(origin.job_id)
  if (other) return `; it was imported from the cluster job ${origin.job_id} at ${origin.folder}, which this store has as run ${other.runId} too`
  jobs.add({ runId: id, jobId: origin.job_id, folder: origin.folder, importedAt: origin.imported_at })
  return `; it was imported from the cluster job at ${origin.folder} (job ${origin.job_id}) on ${origin.imported_at}, which is recorded again, with its name and training time`
}

/**
 * Completed when adapter/ holds a readable adapter written at the run's last step (train.max_steps):
 * training writes adapter/ only after its last step, and the adapter records that step, so this
 * needs no checkpoint (the user may have deleted them). A run by epochs (its step count was only
 * in the database) or with early stopping (it may end sooner) is completed by any readable adapter/. Anything else is `interrupted`, which
 * Resume and `train --resume` continue from the newest checkpoint; resuming a run whose newest
 * checkpoint is its last step only writes its adapter again.
 */
function stateOf(contents: RunFolderContents, restoredFrom: string): { status: FoundRun['status']; error: string | null } {
  const maxSteps = contents.config.train.max_steps
  const lastStepKnown = maxSteps !== null && contents.config.train.early_stopping === null
  if (contents.adapter && (!lastStepKnown || contents.adapter.step === maxSteps)) return { status: 'completed', error: null }
  const newest = contents.checkpoints.at(-1)
  const why = `registered again from its folder after studio.db was restored from ${restoredFrom}, a backup made before this run`
  const resume = !newest
    ? `it saved no checkpoint, so resuming it starts it again from step 0`
    : maxSteps === null
      ? `its newest checkpoint is step ${newest.step}: resume it to train on from there`
      : newest.step >= maxSteps
        ? `its newest checkpoint is its last step (${newest.step}): resume it to write its adapter`
        : `its newest checkpoint is step ${newest.step} of ${maxSteps}: resume it to train on from there`
  const adapterNote = contents.adapterProblem
    ? `; its adapter folder cannot be read (${contents.adapterProblem}), and resuming writes it again`
    : contents.adapter
      ? `; its adapter folder was written at step ${contents.adapter.step ?? '(unknown)'}, not its last step ${maxSteps}`
      : ''
  return { status: 'interrupted', error: `${why}; ${resume}${adapterNote}` }
}

/** "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}
