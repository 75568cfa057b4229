import { randomUUID } from 'node:crypto'
import type { Database } from 'better-sqlite3'

// Models and datasets: the inputs a run refers to.

export interface ModelRecord {
  id: string
  name: string
  path: string
  architecture: string | null
  config: unknown
  createdAt: string
}

export interface DatasetRecord {
  id: string
  name: string
  path: string
  format: string | null
  numExamples: number | null
  createdAt: string
}

interface ModelRow {
  id: string
  name: string
  path: string
  architecture: string | null
  config: string
  created_at: string
}

function modelFromRow(row: ModelRow): ModelRecord {
  return { id: row.id, name: row.name, path: row.path, architecture: row.architecture, config: JSON.parse(row.config), createdAt: row.created_at }
}

export class CatalogRepo {
  constructor(private readonly db: Database) {}

  addModel(model: Omit<ModelRecord, 'id' | 'createdAt'> & { id?: string }, now = new Date()): ModelRecord {
    const record: ModelRecord = { ...model, id: model.id ?? randomUUID(), createdAt: now.toISOString() }
    this.db
      .prepare('INSERT INTO models (id, name, path, architecture, config, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.name, record.path, record.architecture, JSON.stringify(record.config ?? {}), record.createdAt)
    return record
  }

  listModels(): ModelRecord[] {
    return (this.db.prepare('SELECT * FROM models ORDER BY created_at DESC').all() as ModelRow[]).map(modelFromRow)
  }

  getModel(id: string): ModelRecord | null {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined
    return row ? modelFromRow(row) : null
  }

  findModelByPath(path: string): ModelRecord | null {
    const row = this.db.prepare('SELECT * FROM models WHERE path = ?').get(path) as ModelRow | undefined
    return row ? modelFromRow(row) : null
  }

  /** Removes the record (runs that used it keep theirs, with model_id set to NULL); false when there was none. */
  removeModel(id: string): boolean {
    return this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes > 0
  }

  addDataset(dataset: Omit<DatasetRecord, 'id' | 'createdAt'> & { id?: string }, now = new Date()): DatasetRecord {
    const record: DatasetRecord = { ...dataset, id: dataset.id ?? randomUUID(), createdAt: now.toISOString() }
    this.db
      .prepare('INSERT INTO datasets (id, name, path, format, num_examples, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.id, record.name, record.path, record.format, record.numExamples, record.createdAt)
    return record
  }

  listDatasets(): DatasetRecord[] {
    const rows = this.db.prepare('SELECT * FROM datasets ORDER BY created_at DESC').all() as {
      id: string
      name: string
      path: string
      format: string | null
      num_examples: number | null
      created_at: string
    }[]
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      path: row.path,
      format: row.format,
      numExamples: row.num_examples,
      createdAt: row.created_at,
    }))
  }
}
