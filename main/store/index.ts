import { databasePath, ensureDataDir } from './data-dir'
import { openDatabase, type Database } from './db'
import { RunsRepo } from './repos/runs-repo'
import { MetricsRepo } from './repos/metrics-repo'
import { CatalogRepo } from './repos/catalog-repo'
import { ArtifactsRepo } from './repos/artifacts-repo'
import { DatasetsRepo } from './repos/datasets-repo'
import { RunLogRepo } from './repos/run-log-repo'
import { RunAnswersRepo } from './repos/run-answers-repo'
import { EvaluationsRepo } from './repos/evaluations-repo'
import { ImportedJobsRepo } from './repos/imported-jobs-repo'
import { markOrphanedEvaluationsFailed, markOrphanedRunsInterrupted, type ProcessProbe } from './recovery'
import { isCorruptionError } from './errors'
import { damagedDatabaseError } from './damaged-database'

export { resolveDataDir, defaultDataDir, databasePath, backupsDir, runsDir } from './data-dir'
export { openDatabase, migrate, schemaVersion, type OpenDatabaseOptions } from './db'
export { StoreError, DatabaseCorruptError, DatabaseTooNewError, StoreLocationError, RestoreError, formatBackupTime } from './errors'
export { listBackups, BACKUPS_KEPT, type BackupFile, type BackupReason } from './backups'
export { restoreBackup, type RestoreResult } from './restore'
export type { Reregistration, ReregisteredRun, SkippedRunFolder } from './reregister-runs'
export { catalogIds } from './catalog-ids'
export { readNamedItems, type NamedItem, type NamedKind } from './named-items'
export { markOrphanedRunsInterrupted, markOrphanedEvaluationsFailed, interruptIfOrphaned, whyNotItsProcess, liveProcessProbe } from './recovery'
export { currentBootTimeMs, currentProcessIdentity, processStart, isProcessAlive, HEARTBEAT_INTERVAL_MS, HEARTBEAT_LEASE_MS } from './process-liveness'
export type { ProcessIdentity, ProcessStart } from './process-liveness'
export type { ProcessProbe } from './recovery'
export type { RunRecord, NewRun, FinalRunStatus } from './repos/runs-repo'
export { isActiveRunStatus, ACTIVE_RUN_STATUSES, RESUMABLE_RUN_STATUSES } from './repos/runs-repo'
export type { MetricPoint, MetricSample } from './repos/metrics-repo'
export type { ModelRecord, DatasetRecord } from './repos/catalog-repo'
export type { CheckpointRecord, ExportRecord, ExportFormat } from './repos/artifacts-repo'
export type { ImportedDatasetRecord, TokenCacheRecord } from './repos/datasets-repo'
export type { RunLogLine, RunLogLevel } from './repos/run-log-repo'
export type { RunAnswer } from './repos/run-answers-repo'
export type { ImportedJob } from './repos/imported-jobs-repo'
export { isJobImportedTwice } from './repos/imported-jobs-repo'
export type { EvaluationRecord, EvaluationCellCounts, FinalEvaluationStatus } from './repos/evaluations-repo'
export { RUN_LOG_MAX_LINES } from './repos/run-log-repo'
export { RunsRepo, MetricsRepo, CatalogRepo, ArtifactsRepo, DatasetsRepo, RunLogRepo, RunAnswersRepo, EvaluationsRepo, ImportedJobsRepo }

export interface Store {
  readonly path: string
  readonly db: Database
  readonly runs: RunsRepo
  readonly metrics: MetricsRepo
  readonly catalog: CatalogRepo
  readonly artifacts: ArtifactsRepo
  readonly datasets: DatasetsRepo
  /** Each run's log lines (bounded), for its page and `runs show`. */
  readonly runLog: RunLogRepo
  /** Greedy answers to each run's fixed prompts, by eval step. */
  readonly runAnswers: RunAnswersRepo
  /** The Evaluate page's saved tables and their cells. */
  readonly evaluations: EvaluationsRepo
  /** Where runs brought home from a cluster job came from (`runs import-job`). */
  readonly importedJobs: ImportedJobsRepo
  /** Runs found orphaned and marked interrupted when the store was opened. */
  readonly recoveredRunIds: readonly string[]
  close(): void
}

export interface OpenStoreOptions {
  processProbe?: ProcessProbe
  /**
   * 'job': a process started by a studio process that has just opened this store (a training,
   * import or export job, or the CLI's own training after it recorded the run). Its integrity
   * check, backups and run recovery were done there; doing them again in every job costs a full
   * read of the file and could race the starter's own recovery.
   */
  openedBy?: 'studio' | 'job'
}

/** Opens `<dataDir>/studio.db`, migrating it and recovering runs orphaned by a crash. */
export function openStore(dataDir: string, options: OpenStoreOptions = {}): Store {
  ensureDataDir(dataDir)
  const path = databasePath(dataDir)
  const asJob = options.openedBy === 'job'
  const db = openDatabase(path, undefined, asJob ? { verify: false } : {})
  const runs = new RunsRepo(db)
  const runLog = new RunLogRepo(db)
  const evaluations = new EvaluationsRepo(db)
  let recoveredRunIds: string[] = []
  try {
    if (!asJob) {
      recoveredRunIds = markOrphanedRunsInterrupted(runs, options.processProbe, runLog)
      markOrphanedEvaluationsFailed(evaluations, options.processProbe)
    }
  } catch (error) {
    db.close()
    throw isCorruptionError(error) ? damagedDatabaseError(path, error.message, false) : error
  }
  return {
    path,
    db,
    runs,
    metrics: new MetricsRepo(db),
    catalog: new CatalogRepo(db),
    artifacts: new ArtifactsRepo(db),
    datasets: new DatasetsRepo(db),
    runLog,
    runAnswers: new RunAnswersRepo(db),
    evaluations,
    importedJobs: new ImportedJobsRepo(db),
    recoveredRunIds,
    close: () => db.close(),
  }
}
