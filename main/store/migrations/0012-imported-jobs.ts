import type { Migration } from './migration'

// Runs brought home from a cluster job (`runs import-job`, docs/DESIGN.md "The cluster job"): where
// each came from, so its page can say so, and which job it is, so the same job is not imported
// twice. A table of its own rather than columns on runs: few runs have one, and job_id's UNIQUE
// (which ALTER TABLE cannot add to runs) refuses a second import even from two processes at once.
// It goes with its run: deleting the imported run lets the job be imported again.
export const importedJobs: Migration = {
  version: 12,
  name: 'imported-jobs',
  up(db) {
    db.exec(`
      CREATE TABLE imported_jobs (
        run_id       TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        job_id       TEXT NOT NULL UNIQUE,
        folder       TEXT NOT NULL,
        imported_at  TEXT NOT NULL
      ) WITHOUT ROWID;
    `)
  },
}
