import type { Database } from 'better-sqlite3'

/** Where a run brought home from a cluster job came from (`runs import-job`). */
export interface ImportedJob {
  runId: string
  /** job.json's job_id: one job, imported once. */
  jobId: string
  /** The job folder it was imported from (absolute), as it was then. */
  folder: string
  importedAt: string
}

interface ImportedJobRow {
  run_id: string
  job_id: string
  folder: string
  imported_at: string
}

export class ImportedJobsRepo {
  constructor(private readonly db: Database) {}

  /** Records where `runId` came from; a job already imported is refused by job_id's UNIQUE (see isJobImportedTwice). */
  add(job: ImportedJob): void {
    this.db.prepare('INSERT INTO imported_jobs (run_id, job_id, folder, imported_at) VALUES (?, ?, ?, ?)').run(job.runId, job.jobId, job.folder, job.importedAt)
  }

  /** The run a job was imported as, if it was. */
  byJobId(jobId: string): ImportedJob | undefined {
    const row = this.db.prepare('SELECT * FROM imported_jobs WHERE job_id = ?').get(jobId) as ImportedJobRow | undefined
    return row && toImportedJob(row)
  }

  /** Where a run came from; undefined for a run trained by this studio. */
  ofRun(runId: string): ImportedJob | undefined {
    const row = this.db.prepare('SELECT * FROM imported_jobs WHERE run_id = ?').get(runId) as ImportedJobRow | undefined
    return row && toImportedJob(row)
  }
}

/** The error `add` throws when another import of the same job got there first. */
export function isJobImportedTwice(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  return code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof message === 'string' && message.includes('imported_jobs.job_id')
}

function toImportedJob(row: ImportedJobRow): ImportedJob {
  return { runId: row.run_id, jobId: row.job_id, folder: row.folder, importedAt: row.imported_at }
}
