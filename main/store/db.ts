import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { openSqlite } from './sqlite-native'
import type { Database } from 'better-sqlite3'
import { checkMigrationList, latestSchemaVersion, migrations as shippedMigrations, type Migration } from './migrations'
import { DatabaseTooNewError, StoreLocationError, isCorruptionError } from './errors'
import { backupsDir } from './data-dir'
import { isDailyBackupDue, listBackups, pruneBackups, writeBackup, type BackupReason } from './backups'
import { damagedDatabaseError } from './damaged-database'
import { describeIntegrityProblems, integrityProblems } from './integrity'

export type { Database } from 'better-sqlite3'

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1')
const BUSY_TIMEOUT_MS = 5_000

export interface OpenDatabaseOptions {
  /** Where a copy goes before a migration and once a day (default: backups/ beside the file); false for none. */
  backupsDir?: string | false
  now?: () => Date
  /** How a backup that could not be made is reported; it never stops the database from opening. */
  warn?: (message: string) => void
  /**
   * False skips quick_check and backups: for a process started by a studio process that has just
   * opened (checked, backed up, migrated) the same file, such as a training or import job. quick_check
   * reads every page (1.6 s for a 74 MB store), which each job would otherwise pay again.
   */
  verify?: boolean
}

/**
 * Opens (creating if needed) the studio database at `path` and brings its schema up to date.
 * Before anything may write to an existing file it is inspected read-only (version, then
 * quick_check), so that a file from a newer version or a damaged file is refused without a
 * single byte changing; a sound file that is about to be migrated, or whose newest backup is a
 * day old, is backed up first.
 */
export function openDatabase(path: string, migrations: readonly Migration[] = shippedMigrations, options: OpenDatabaseOptions = {}): Database {
  checkMigrationList(migrations)
  const ourVersion = latestSchemaVersion(migrations)
  const existing = existingKind(path)
  if (existing === 'folder') {
    throw new StoreLocationError(
      path,
      `${path} is a folder, but Mixture Studio keeps its database in a file of that name. Move or rename the folder ` +
        `(Mixture Studio then starts an empty database there), or restore a backup with \`mixture-studio store restore\`.`,
    )
  }
  if (existing === 'file') inspectExistingFile(path, ourVersion, options)

  let db: Database | undefined
  try {
    db = openSqlite(path)
    // WAL: readers (the UI) never wait for the writer (a training run's metrics).
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    migrate(db, migrations, path)
    return db
  } catch (error) {
    db?.close()
    if (isCorruptionError(error)) throw damagedDatabaseError(path, error.message, false)
    throw error
  }
}

function existingKind(path: string): 'none' | 'file' | 'folder' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file'
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none'
    throw error
  }
}

function inspectExistingFile(path: string, ourVersion: number, options: OpenDatabaseOptions): void {
  const header = readHeader(path)
  // SQLite treats an empty file as a new database; anything else must carry the magic.
  if (header.length > 0 && !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw damagedDatabaseError(path, 'it is not a SQLite database (its header is wrong)')
  }
  if (header.length === 0) return

  let readonly: Database | undefined
  try {
    readonly = openSqlite(path, { readonly: true, fileMustExist: true })
    const fileVersion = readonly.pragma('user_version', { simple: true }) as number
    if (fileVersion > ourVersion) throw new DatabaseTooNewError(path, fileVersion, ourVersion)
    // Reading the schema makes SQLite parse page 1 and every table definition; quick_check
    // then reads every other page, where damage would otherwise go unnoticed until a query hit it.
    readonly.prepare('SELECT count(*) FROM sqlite_master').get()
    if (options.verify === false) return
    const problems = integrityProblems(readonly)
    if (problems.length > 0) throw damagedDatabaseError(path, describeIntegrityProblems(problems))
    // Version 0 is a file no Mixture Studio has written to: nothing in it to keep.
    if (fileVersion > 0 && options.backupsDir !== false) {
      const reason: BackupReason | null = fileVersion < ourVersion ? 'pre-migration' : null
      backUpIfDue(readonly, path, reason, options)
    }
  } catch (error) {
    if (isCorruptionError(error)) throw damagedDatabaseError(path, error.message)
    throw error
  } finally {
    readonly?.close()
  }
}

/** A pre-migration copy when one is asked for, else a daily one when the newest backup is a day old. */
function backUpIfDue(source: Database, path: string, reason: BackupReason | null, options: OpenDatabaseOptions): void {
  const dir = typeof options.backupsDir === 'string' ? options.backupsDir : backupsDir(dirname(path))
  const now = options.now?.() ?? new Date()
  const warn = options.warn ?? ((message: string) => console.warn(message))
  try {
    const due = reason ?? (isDailyBackupDue(listBackups(dir), now) ? 'daily' : null)
    if (!due) return
    writeBackup(source, dir, due, now)
    pruneBackups(dir, now)
  } catch (error) {
    // Reading the database for the copy found it damaged: refuse it like quick_check would.
    if (isCorruptionError(error)) throw error
    warn(
      `Mixture Studio could not back up ${path} into ${dir}: ${(error as Error).message}. ` +
        `It opens anyway; the older backups there are kept. Free some disk space (or fix the folder) so the next start can make one.`,
    )
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
    // PRAGMA foreign_keys is a no-op inside a transaction: it is switched around it.
    const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number
    if (migration.rebuildsTables) db.pragma('foreign_keys = OFF')
    try {
      db.transaction(() => {
        migration.up(db)
        if (migration.rebuildsTables) refuseBrokenForeignKeys(db, migration)
        db.pragma(`user_version = ${migration.version}`)
      })()
    } finally {
      if (migration.rebuildsTables) db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
    }
  }
}

/** A rebuilt table must leave every reference as it found it; otherwise the step is rolled back. */
function refuseBrokenForeignKeys(db: Database, migration: Migration): void {
  const broken = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[]
  if (broken.length === 0) return
  const first = broken[0]
  throw new Error(
    `Migration ${migration.version} (${migration.name}) would leave ${broken.length} rows referring to missing rows ` +
      `(first: ${first.table} row ${first.rowid} → ${first.parent}); nothing was changed`,
  )
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number
}
