import type { Migration } from './migration'

// The Evaluate page's tables: one evaluation scores a base model and several runs (each at a
// chosen checkpoint) on several multiple-choice sets, and keeps one cell per (set, column):
// the counts, so accuracy and its interval can be recomputed, never only a rounded number.
// Columns refer to runs by id without a foreign key: deleting a run must not erase a
// comparison the user saved (the column keeps the run's name as it was). pid, boot_time_ms and
// process_started_at name the process at work on a running evaluation, as runs do, so a studio
// opened after a crash can tell an orphaned evaluation (failed) from one another process runs.
export const evaluations: Migration = {
  version: 10,
  name: 'evaluations',
  up(db) {
    db.exec(`
      CREATE TABLE evaluations (
        id           TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        model        TEXT NOT NULL,
        config       TEXT NOT NULL CHECK (json_valid(config)),
        status       TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
        error        TEXT,
        created_at   TEXT NOT NULL,
        finished_at  TEXT,
        pid                 INTEGER,
        boot_time_ms        INTEGER,
        process_started_at  TEXT
      );
      CREATE INDEX evaluations_by_created ON evaluations (created_at DESC);

      CREATE TABLE evaluation_cells (
        evaluation_id  TEXT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
        task           TEXT NOT NULL,
        column_key     TEXT NOT NULL,
        correct        INTEGER NOT NULL CHECK (correct >= 0),
        examples       INTEGER NOT NULL CHECK (examples >= correct),
        PRIMARY KEY (evaluation_id, task, column_key)
      ) WITHOUT ROWID;
    `)
  },
}
