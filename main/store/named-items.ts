import { existsSync } from 'node:fs'
import { databasePath } from './data-dir'
import { openSqlite } from './sqlite-native'

export type NamedKind = 'run' | 'model' | 'dataset' | 'evaluation'

export interface NamedItem {
  id: string
  name: string
}

const TABLE: Record<NamedKind, string> = { run: 'runs', model: 'models', dataset: 'datasets', evaluation: 'evaluations' }

/**
 * Every id and name of one kind in the data folder's store, read through a read-only connection:
 * no migration, backup or recovery, so a command may look up what its argument names before it
 * opens the store itself (which then checks the file as always). Empty when there is no store yet
 * or it cannot be read that way (too new, damaged): the command's own open says why.
 */
export function readNamedItems(dataDir: string, kind: NamedKind): NamedItem[] {
  const path = databasePath(dataDir)
  if (!existsSync(path)) return []
  let db: ReturnType<typeof openSqlite> | undefined
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true })
    return db.prepare(`SELECT id, name FROM ${TABLE[kind]}`).all() as NamedItem[]
  } catch {
    return []
  } finally {
    db?.close()
  }
}
