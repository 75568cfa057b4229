import type { Migration } from './migration'

// What the training process said about a run (its log lines and the eval, checkpoint and
// status lines made from its events), kept so a finished run's page and `runs show` can show
// it. Bounded per run by RunLogRepo (the newest lines stay); lines go with their run.
export const runLog: Migration = {
  version: 4,
  name: 'run-log',
  up(db) {
    db.exec(`
      CREATE TABLE run_log (
        id       INTEGER PRIMARY KEY,
        run_id   TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at       TEXT NOT NULL,
        level    TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
        message  TEXT NOT NULL
      );
      -- A run's lines are read in id order, newest N or after a given id: one range scan.
      CREATE INDEX run_log_by_run ON run_log (run_id, id);
    `)
  },
}
