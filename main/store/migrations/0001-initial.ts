import type { Migration } from './migration'

// Timestamps are ISO 8601 UTC strings (what the contract carries); ids are text so that
// runs can be named in folders and URLs. Rows that describe files (checkpoints, exports)
// go when their run goes; models and datasets outlive the runs that used them.
export const initial: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        path          TEXT NOT NULL,
        architecture  TEXT,
        config        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
        created_at    TEXT NOT NULL
      );

      CREATE TABLE datasets (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        path          TEXT NOT NULL,
        format        TEXT,
        num_examples  INTEGER,
        created_at    TEXT NOT NULL
      );

      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        config        TEXT NOT NULL CHECK (json_valid(config)),
        method        TEXT,
        model_id      TEXT REFERENCES models(id) ON DELETE SET NULL,
        dataset_id    TEXT REFERENCES datasets(id) ON DELETE SET NULL,
        status        TEXT NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted')),
        created_at    TEXT NOT NULL,
        started_at    TEXT,
        finished_at   TEXT,
        error         TEXT,
        resumed_from  TEXT REFERENCES runs(id) ON DELETE SET NULL,
        -- The process that runs it and when its machine booted: a pid alone is reused
        -- after a reboot, so start-up recovery needs both to tell a live run from a dead one.
        pid           INTEGER,
        boot_time_ms  INTEGER
      );
      CREATE INDEX runs_by_created ON runs (created_at DESC);
      CREATE INDEX runs_by_status ON runs (status, created_at DESC);

      -- A run's curve is read as (run_id, name) ordered by step: the primary key is that
      -- index, and WITHOUT ROWID stores the value in it, so a curve is one range scan.
      CREATE TABLE metrics (
        run_id  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name    TEXT NOT NULL,
        step    INTEGER NOT NULL,
        value   REAL NOT NULL,
        PRIMARY KEY (run_id, name, step)
      ) WITHOUT ROWID;

      CREATE TABLE checkpoints (
        id          INTEGER PRIMARY KEY,
        run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step        INTEGER NOT NULL,
        path        TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (run_id, step)
      );

      CREATE TABLE exports (
        id          INTEGER PRIMARY KEY,
        run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        format      TEXT NOT NULL CHECK (format IN ('native', 'peft', 'onnx', 'merged')),
        path        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
      CREATE INDEX exports_by_run ON exports (run_id, created_at);
    `)
  },
}
