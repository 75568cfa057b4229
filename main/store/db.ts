import { closeSync, existsSync, openSync, readSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
import { checkMigrationList, latestSchemaVersion, migrations as shippedMigrations, type Migration } from './migrations'
import { DatabaseCorruptError, DatabaseTooNewError, isCorruptionError } from './errors'

export type { Database } from 'better-sqlite3'

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
const BUSY_TIMEOUT_MS = 5_000

/**
 * Opens (creating if needed) the studio database at `path` and brings its schema up to date.
 * Before anything may write to an existing file it is inspected read-only, so that a file
 * from a newer version or a damaged file is refused without a single byte changing.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = shippedMigrations): Database {
  checkMigrationList(migrations)
  const ourVersion = latestSchemaVersion(migrations)
  if (existsSync(path)) inspectExistingFile(path, ourVersion)

  let db: Database | undefined
  try {
    db = new BetterSqlite3(path)
    // WAL: readers (the UI) never wait for the writer (a training run's metrics).
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    migrate(db, migrations, path)
    return db
  } catch (error) {
    db?.close()
    if (isCorruptionError(error)) throw new DatabaseCorruptError(path, error.message)
    throw error
  }
}

function inspectExistingFile(path: string, ourVersion: number): void {
  const header = readHeader(path)
  // SQLite treats an empty file as a new database; anything else must carry the magic.
  if (header.length > 0 && !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw new DatabaseCorruptError(path, 'it is not a SQLite database (its header is wrong)')
  }
  if (header.length === 0) return

  let readonly: Database | undefined
  try {
    readonly = new BetterSqlite3(path, { readonly: true, fileMustExist: true })
    const fileVersion = readonly.pragma('user_version', { simple: true }) as number
    if (fileVersion > ourVersion) throw new DatabaseTooNewError(path, fileVersion, ourVersion)
    // Reading the schema makes SQLite parse page 1 and every table definition.
    readonly.prepare('SELECT count(*) FROM sqlite_master').get()
  } catch (error) {
    if (isCorruptionError(error)) throw new DatabaseCorruptError(path, error.message)
    throw error
  } finally {
    readonly?.close()
  }
}

function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(100)
    const length = readSync(fd, buffer, 0, buffer.length, 0)
    return buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/** Applies every migration newer than the file, each in its own transaction with its version bump. */
export function migrate(db: Database, migrations: readonly Migration[], path = db.name): void {
  checkMigrationList(migrations)
  const current = db.pragma('user_version', { simple: true }) as number
  const ourVersion = latestSchemaVersion(migrations)
  if (current > ourVersion) throw new DatabaseTooNewError(path, current, ourVersion)
  for (const migration of migrations) {
    if (migration.version <= current) continue
    db.transaction(() => {
      migration.up(db)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}
