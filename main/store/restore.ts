import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, isAbsolute, resolve } from 'node:path'
import { openSqlite } from './sqlite-native'
import { checkFile, listBackups, parseBackupFileName, utcStamp, type BackupFile } from './backups'
import { backupsDir, databasePath, runsDir } from './data-dir'
import { isDatabaseInUse } from './database-in-use'
import { openDatabase, schemaVersion, type Database } from './db'
import { RestoreError, StoreError } from './errors'
import { describeIntegrityProblems } from './integrity'
import { latestSchemaVersion } from './migrations'
import { reregisterRunFolders, type Reregistration } from './reregister-runs'

export interface RestoreResult {
  backup: BackupFile
  /** Where the database it replaced now lies (with its -wal and -shm, if any); null when there was none. */
  movedAsideTo: string | null
  /** Whether the database it replaced was damaged (or not a database at all). */
  replacedWasDamaged: boolean
  /** The runs recorded after the backup was made, registered again from their folders; the folders that could not be. */
  reregistered: Reregistration
  /** What could not be checked, for the user to know (e.g. whether another process had the file open). */
  notes: string[]
}

// The files SQLite keeps beside a database: they belong to it and move with it.
const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal']

/**
 * Puts a backup in place of `<dataDir>/studio.db`: the newest one, or `backupName` (a name in
 * the backups folder, or a path to a backup file). The database it replaces is moved aside to
 * `studio.db.damaged-<time>` (`studio.db.replaced-<time>` when it was sound), never deleted.
 * Refuses, changing nothing, when the backup is damaged or from a newer version, or when
 * another process has the database open (it would go on writing to the file moved aside).
 * The runs recorded after the backup was made are registered again from their folders
 * (reregister-runs.ts), since those folders outlive the database.
 */
export function restoreBackup(dataDir: string, options: { backupName?: string; now?: Date } = {}): RestoreResult {
  const now = options.now ?? new Date()
  const path = databasePath(dataDir)
  const backup = chooseBackup(dataDir, options.backupName)
  checkBackup(backup)

  const notes: string[] = []
  const current = existsSync(path) ? statSync(path) : null
  if (current?.isFile()) {
    const inUse = isDatabaseInUse(path)
    if (inUse) {
      throw new RestoreError(
        `${path} is open in another Mixture Studio process (the app, \`mixture-studio serve\`, or a training run). ` +
          `Close them and run this again; nothing was changed.`,
      )
    }
    if (inUse === null) notes.push(`Could not check whether another process had ${path} open: make sure the app, serve and training runs are closed.`)
  }

  // Copy first: a full disk then fails here, with the current database still in place.
  const incoming = `${path}.restoring-${process.pid}.tmp`
  try {
    copyFileSync(backup.path, incoming)
  } catch (error) {
    rmSync(incoming, { force: true })
    throw new RestoreError(`Could not copy ${backup.path} into ${dataDir}: ${(error as Error).message}. Nothing was changed.`)
  }

  let movedAsideTo: string | null = null
  let replacedWasDamaged = false
  if (current) {
    replacedWasDamaged = current.isDirectory() || !isSoundDatabase(path)
    movedAsideTo = asideName(path, replacedWasDamaged ? 'damaged' : 'replaced', now)
    try {
      moveWithCompanions(path, movedAsideTo)
    } catch (error) {
      rmSync(incoming, { force: true })
      throw new RestoreError(`Could not move ${path} aside: ${(error as Error).message}. Close every Mixture Studio process and run this again; nothing was changed.`)
    }
  }
  renameSync(incoming, path)

  const where = movedAsideTo ? ` The database it replaced is at ${movedAsideTo}.` : ''
  let db: Database
  try {
    // Migrates a backup from an older schema; no backups of it, which would rotate out the
    // older ones the user may want to try next.
    db = openDatabase(path, undefined, { backupsDir: false })
  } catch (error) {
    const reason = error instanceof StoreError ? error.message : (error as Error).message
    throw new RestoreError(`${backup.name} was put in place as ${path} but does not open: ${reason}${where}`)
  }
  try {
    const reregistered = reregisterRunFolders(db, dataDir, backup.name, now)
    return { backup, movedAsideTo, replacedWasDamaged, reregistered, notes }
  } catch (error) {
    throw new RestoreError(
      `${backup.name} was put in place as ${path}, but registering the runs recorded after it again from their folders under ` +
        `${runsDir(dataDir)} failed: ${(error as Error).message}. None of them was registered; run the same restore again to retry.${where}`,
    )
  } finally {
    db.close()
  }
}

function chooseBackup(dataDir: string, requested: string | undefined): BackupFile {
  const folder = backupsDir(dataDir)
  const backups = listBackups(folder)
  if (requested === undefined) {
    if (backups.length === 0) throw new RestoreError(`There are no backups in ${folder}: nothing to restore.`)
    return backups[0]
  }
  const named = backups.find((backup) => backup.name === requested)
  if (named) return named
  // A path to a backup kept elsewhere (copied off this machine, say).
  const path = isAbsolute(requested) ? requested : resolve(requested)
  if (basename(requested) !== requested && existsSync(path) && statSync(path).isFile()) {
    const parsed = parseBackupFileName(basename(path))
    const stats = statSync(path)
    return { name: basename(path), path, reason: parsed?.reason ?? 'daily', createdAt: parsed?.createdAt ?? stats.mtime, bytes: stats.size }
  }
  throw new RestoreError(`There is no backup ${requested} in ${folder}; \`mixture-studio store backups\` lists them.`)
}

/** A backup must be a sound database this version can open, before anything is moved. */
function checkBackup(backup: BackupFile): void {
  let version: number
  let problems: string[]
  try {
    const db = openSqlite(backup.path, { readonly: true, fileMustExist: true })
    try {
      version = schemaVersion(db)
    } finally {
      db.close()
    }
    problems = checkFile(backup.path)
  } catch (error) {
    problems = [(error as Error).message]
    version = 0
  }
  if (problems.length > 0) {
    throw new RestoreError(`The backup ${backup.path} is damaged too: ${describeIntegrityProblems(problems)}. Choose another one (\`mixture-studio store backups\` lists them); nothing was changed.`)
  }
  if (version > latestSchemaVersion()) {
    throw new RestoreError(`The backup ${backup.path} has schema version ${version}, newer than this Mixture Studio knows (${latestSchemaVersion()}): upgrade Mixture Studio to restore it. Nothing was changed.`)
  }
}

/** Moves a database and the files SQLite keeps beside it; on a failure, puts back what had moved. */
function moveWithCompanions(from: string, to: string): void {
  const moved: [string, string][] = []
  try {
    for (const suffix of ['', ...COMPANION_SUFFIXES]) {
      if (suffix !== '' && !existsSync(`${from}${suffix}`)) continue
      renameSync(`${from}${suffix}`, `${to}${suffix}`)
      moved.push([`${from}${suffix}`, `${to}${suffix}`])
    }
  } catch (error) {
    for (const [original, aside] of moved.reverse()) renameSync(aside, original)
    throw error
  }
}

function isSoundDatabase(path: string): boolean {
  try {
    return checkFile(path).length === 0
  } catch {
    return false
  }
}

/** `studio.db.damaged-20240501-101500`, UTC like the backups; `-2`, `-3` ... if that is taken. */
function asideName(path: string, kind: 'damaged' | 'replaced', now: Date): string {
  const base = `${path}.${kind}-${utcStamp(now)}`
  let candidate = base
  for (let n = 2; existsSync(candidate); n += 1) candidate = `${base}-${n}`
  return candidate
}
