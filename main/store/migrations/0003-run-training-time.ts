import type { Migration } from './migration'

// A resumed run trains in several segments (start → stop, resume → finish). started_at and
// finished_at alone would count the time it sat stopped, or only the last segment, so the
// run keeps the seconds of its finished segments, when the current segment began, and when
// it last made progress (a step): a run whose process died is charged only up to its last step,
// not up to the start-up that found it dead.
export const runTrainingTime: Migration = {
  version: 3,
  name: 'run-training-time',
  up(db) {
    db.exec(`
      ALTER TABLE runs ADD COLUMN trained_seconds REAL NOT NULL DEFAULT 0 CHECK (trained_seconds >= 0);
      ALTER TABLE runs ADD COLUMN segment_started_at TEXT;
      ALTER TABLE runs ADD COLUMN progress_at TEXT;

      -- Runs recorded before this migration had one known segment: started_at to finished_at.
      UPDATE runs SET trained_seconds = max(0, (julianday(finished_at) - julianday(started_at)) * 86400)
        WHERE status != 'running' AND started_at IS NOT NULL AND finished_at IS NOT NULL;
      UPDATE runs SET segment_started_at = started_at WHERE status = 'running';
    `)
  },
}
