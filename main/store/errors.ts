/**
 * A reason the store cannot be opened or changed that the user can act on (a damaged or
 * too-new database, a file where a folder belongs). Its message says what and what to do,
 * so the CLI prints it without a stack and the app shows it as it is.
 */
export class StoreError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StoreError'
  }
}

/** The database was written by a newer Mixture Studio; we refuse to touch it. */
export class DatabaseTooNewError extends StoreError {
  constructor(
    readonly path: string,
    readonly fileVersion: number,
    readonly supportedVersion: number,
  ) {
    super(
      `The database ${path} has schema version ${fileVersion}, but this Mixture Studio knows versions up to ` +
        `${supportedVersion}. It was written by a newer Mixture Studio: upgrade Mixture Studio to open it. ` +
        `The file has not been changed.`,
    )
    this.name = 'DatabaseTooNewError'
  }
}

/** The backup a damaged database can be restored from, as the message names it. */
export interface RestorableBackup {
  name: string
  createdAt: Date
  /** The command that restores it, exactly as the user should type it. */
  restoreCommand: string
}

/** The file is not a SQLite database, or SQLite found it damaged. We never overwrite it. */
export class DatabaseCorruptError extends StoreError {
  constructor(
    readonly path: string,
    readonly detail: string,
    readonly newestBackup: RestorableBackup | null = null,
    backupsFolder?: string,
    /** Found by the read-only inspection (the usual case), not later by a query of the open store. */
    foundBeforeWriting = true,
  ) {
    super(
      `The database ${path} is damaged: ${detail}. ` +
        (foundBeforeWriting ? 'Nothing was opened for writing: the file is exactly as it was. ' : 'It has not been replaced or deleted. ') +
        whatToDo(newestBackup, backupsFolder) +
        ' Run folders beside it are not affected.',
    )
    this.name = 'DatabaseCorruptError'
  }
}

function whatToDo(backup: RestorableBackup | null, backupsFolder: string | undefined): string {
  if (backup) {
    return (
      `The newest backup is ${backup.name}, made ${formatBackupTime(backup.createdAt)}. Restore it with: ${backup.restoreCommand} ` +
      `(the damaged file is kept beside it as studio.db.damaged-<time>, not deleted).`
    )
  }
  const where = backupsFolder ? ` in ${backupsFolder}` : ''
  return `There is no backup${where} to restore. Move the file aside to start with an empty database.`
}

/** "2024-05-01 10:15 UTC": backups are named and compared in UTC. */
export function formatBackupTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** The data folder or the database is not where or what it must be (a file for a folder, or the reverse). */
export class StoreLocationError extends StoreError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message)
    this.name = 'StoreLocationError'
  }
}

/** `store restore` cannot go ahead: no such backup, a damaged one, or the database is in use. */
export class RestoreError extends StoreError {
  constructor(message: string) {
    super(message)
    this.name = 'RestoreError'
  }
}

const corruptionCodes = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

export function isCorruptionError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && [...corruptionCodes].some((c) => code.startsWith(c))
}
