import { dirname } from 'node:path'
import { listBackups } from './backups'
import { backupsDir } from './data-dir'
import { DatabaseCorruptError } from './errors'

/**
 * The refusal for a damaged database at `path`: it names the newest backup beside it and the
 * command that restores it. `foundBeforeWriting`: false when a query of the opened store hit it.
 */
export function damagedDatabaseError(path: string, detail: string, foundBeforeWriting = true): DatabaseCorruptError {
  const dataDir = dirname(path)
  const folder = backupsDir(dataDir)
  const newest = newestBackupOrNull(folder)
  return new DatabaseCorruptError(
    path,
    detail,
    newest && { name: newest.name, createdAt: newest.createdAt, restoreCommand: restoreCommandLine(dataDir, newest.name) },
    folder,
    foundBeforeWriting,
  )
}

/**
 * `store restore` for this data folder and backup. --home is always spelled out: the app that
 * refused may have another MIXTURE_STUDIO_HOME than the shell the user types this into.
 */
export function restoreCommandLine(dataDir: string, backupName: string): string {
  return `mixture-studio store restore ${backupName} --home "${dataDir}"`
}

function newestBackupOrNull(folder: string) {
  try {
    return listBackups(folder)[0] ?? null
  } catch {
    // An unreadable backups folder must not hide the real news: the database is damaged.
    return null
  }
}
