import type { Migration } from './migration'

// What an import learns about a dataset file (so a run can trust it without reading it
// again) and the tokenized caches built from it. A cache row goes with its dataset; the
// key names the cache file and changes whenever anything that shapes the tokens changes.
export const datasetCatalog: Migration = {
  version: 2,
  name: 'dataset-catalog',
  up(db) {
    db.exec(`
      ALTER TABLE datasets ADD COLUMN file_type TEXT;
      ALTER TABLE datasets ADD COLUMN encoding TEXT;
      ALTER TABLE datasets ADD COLUMN content_hash TEXT;
      ALTER TABLE datasets ADD COLUMN size_bytes INTEGER;
      ALTER TABLE datasets ADD COLUMN mtime_ms REAL;
      ALTER TABLE datasets ADD COLUMN mapping TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(mapping));
      -- The import's choices: system prompt, template, train_on_prompt, max_length, split, on_error.
      ALTER TABLE datasets ADD COLUMN options TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options));
      -- Counts, length statistics, the listed problems and warnings of the import report.
      ALTER TABLE datasets ADD COLUMN report TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(report));
      ALTER TABLE datasets ADD COLUMN validation_dataset_id TEXT REFERENCES datasets(id) ON DELETE SET NULL;
      CREATE INDEX datasets_by_created ON datasets (created_at DESC);

      CREATE TABLE dataset_token_caches (
        key              TEXT PRIMARY KEY,
        dataset_id       TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
        content_hash     TEXT NOT NULL,
        tokenizer_hash   TEXT NOT NULL,
        template_name    TEXT NOT NULL,
        template_hash    TEXT NOT NULL,
        max_length       INTEGER,
        train_on_prompt  INTEGER NOT NULL CHECK (train_on_prompt IN (0, 1)),
        path             TEXT NOT NULL,
        num_examples     INTEGER NOT NULL,
        num_tokens       INTEGER NOT NULL,
        created_at       TEXT NOT NULL
      );
      CREATE INDEX dataset_token_caches_by_dataset ON dataset_token_caches (dataset_id);
    `)
  },
}
