import type { Database } from 'better-sqlite3'

// The dataset catalog (rows of `datasets` written by an import) and its tokenized caches.
// CatalogRepo keeps the plain name/path listing; this repo owns what an import records.

export interface ImportedDatasetRecord {
  id: string
  name: string
  path: string
  fileType: string
  encoding: string
  format: string
  contentHash: string
  sizeBytes: number
  mtimeMs: number
  mapping: Record<string, string>
  /** The import's choices (system prompt, template, split ...), as JSON. */
  options: Record<string, unknown>
  /** The import report: counts, stats, listed problems and warnings, as JSON. */
  report: Record<string, unknown>
  numExamples: number
  validationDatasetId: string | null
  createdAt: string
}

export interface TokenCacheRecord {
  key: string
  datasetId: string
  contentHash: string
  tokenizerHash: string
  templateName: string
  templateHash: string
  maxLength: number | null
  trainOnPrompt: boolean
  path: string
  numExamples: number
  numTokens: number
  createdAt: string
}

interface DatasetRow {
  id: string
  name: string
  path: string
  file_type: string | null
  encoding: string | null
  format: string | null
  content_hash: string | null
  size_bytes: number | null
  mtime_ms: number | null
  mapping: string
  options: string
  report: string
  num_examples: number | null
  validation_dataset_id: string | null
  created_at: string
}

interface CacheRow {
  key: string
  dataset_id: string
  content_hash: string
  tokenizer_hash: string
  template_name: string
  template_hash: string
  max_length: number | null
  train_on_prompt: number
  path: string
  num_examples: number
  num_tokens: number
  created_at: string
}

export class DatasetsRepo {
  constructor(private readonly db: Database) {}

  insert(record: Omit<ImportedDatasetRecord, 'createdAt'>, now = new Date()): ImportedDatasetRecord {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, path, format, num_examples, created_at, file_type, encoding, content_hash,
           size_bytes, mtime_ms, mapping, options, report, validation_dataset_id)
         VALUES (@id, @name, @path, @format, @numExamples, @createdAt, @fileType, @encoding, @contentHash,
           @sizeBytes, @mtimeMs, @mapping, @options, @report, @validationDatasetId)`,
      )
      .run({
        ...record,
        createdAt: now.toISOString(),
        mapping: JSON.stringify(record.mapping),
        options: JSON.stringify(record.options),
        report: JSON.stringify(record.report),
      })
    return this.get(record.id) as ImportedDatasetRecord
  }

  get(id: string): ImportedDatasetRecord | undefined {
    const row = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id) as DatasetRow | undefined
    return row && toRecord(row)
  }

  /** Newest first. */
  list(): ImportedDatasetRecord[] {
    return (this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC, id').all() as DatasetRow[]).map(toRecord)
  }

  /** Records that the file was found unchanged (same hash) with a new modification time. */
  touch(id: string, mtimeMs: number): void {
    this.db.prepare('UPDATE datasets SET mtime_ms = ? WHERE id = ?').run(mtimeMs, id)
  }

  rename(id: string, name: string): void {
    this.db.prepare('UPDATE datasets SET name = ? WHERE id = ?').run(name, id)
  }

  /**
   * Forgets the record and its cache rows (ON DELETE CASCADE); runs that used it keep their row
   * with no dataset (ON DELETE SET NULL). The files are the caller's to remove.
   */
  delete(id: string): void {
    this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id)
  }

  /** How many runs were recorded with this dataset. */
  countRuns(id: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM runs WHERE dataset_id = ?').get(id) as { n: number }).n
  }

  getCache(key: string): TokenCacheRecord | undefined {
    const row = this.db.prepare('SELECT * FROM dataset_token_caches WHERE key = ?').get(key) as CacheRow | undefined
    return row && toCacheRecord(row)
  }

  listCaches(datasetId: string): TokenCacheRecord[] {
    return (
      this.db.prepare('SELECT * FROM dataset_token_caches WHERE dataset_id = ? ORDER BY created_at, key').all(datasetId) as CacheRow[]
    ).map(toCacheRecord)
  }

  putCache(record: Omit<TokenCacheRecord, 'createdAt'>, now = new Date()): TokenCacheRecord {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO dataset_token_caches (key, dataset_id, content_hash, tokenizer_hash, template_name,
           template_hash, max_length, train_on_prompt, path, num_examples, num_tokens, created_at)
         VALUES (@key, @datasetId, @contentHash, @tokenizerHash, @templateName, @templateHash, @maxLength,
           @trainOnPrompt, @path, @numExamples, @numTokens, @createdAt)`,
      )
      .run({ ...record, trainOnPrompt: record.trainOnPrompt ? 1 : 0, createdAt: now.toISOString() })
    return this.getCache(record.key) as TokenCacheRecord
  }

  deleteCache(key: string): void {
    this.db.prepare('DELETE FROM dataset_token_caches WHERE key = ?').run(key)
  }
}

function toRecord(row: DatasetRow): ImportedDatasetRecord {
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    fileType: row.file_type ?? 'unknown',
    encoding: row.encoding ?? 'unknown',
    format: row.format ?? 'unknown',
    contentHash: row.content_hash ?? '',
    sizeBytes: row.size_bytes ?? 0,
    mtimeMs: row.mtime_ms ?? 0,
    mapping: JSON.parse(row.mapping) as Record<string, string>,
    options: JSON.parse(row.options) as Record<string, unknown>,
    report: JSON.parse(row.report) as Record<string, unknown>,
    numExamples: row.num_examples ?? 0,
    validationDatasetId: row.validation_dataset_id,
    createdAt: row.created_at,
  }
}

function toCacheRecord(row: CacheRow): TokenCacheRecord {
  return {
    key: row.key,
    datasetId: row.dataset_id,
    contentHash: row.content_hash,
    tokenizerHash: row.tokenizer_hash,
    templateName: row.template_name,
    templateHash: row.template_hash,
    maxLength: row.max_length,
    trainOnPrompt: row.train_on_prompt === 1,
    path: row.path,
    numExamples: row.num_examples,
    numTokens: row.num_tokens,
    createdAt: row.created_at,
  }
}
