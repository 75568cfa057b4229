import type { Migration } from './migration'

// `export --format torchrun` writes a cluster job folder, recorded with its run like every export.
// The exports table's CHECK lists the formats; SQLite cannot change a CHECK in place, so the table
// is rebuilt with the longer list (same columns, rows and index).
const FORMATS = ['native', 'peft', 'onnx', 'merged', 'torchrun'] as const

export const exportFormatTorchrun: Migration = {
  version: 13,
  name: 'export-format-torchrun',
  rebuildsTables: true,
  up(db) {
    db.exec(`
      CREATE TABLE exports_rebuilt (
        id          INTEGER PRIMARY KEY,
        run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        format      TEXT NOT NULL CHECK (format IN (${FORMATS.map((f) => `'${f}'`).join(', ')})),
        path        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
      INSERT INTO exports_rebuilt (id, run_id, format, path, created_at) SELECT id, run_id, format, path, created_at FROM exports;
      DROP TABLE exports;
      ALTER TABLE exports_rebuilt RENAME TO exports;
      CREATE INDEX exports_by_run ON exports (run_id, created_at);
    `)
  },
}
