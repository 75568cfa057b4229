/** The database was written by a newer Mixture Studio; we refuse to touch it. */
export class DatabaseTooNewError extends Error {
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

/** The file is not a SQLite database, or SQLite found it damaged. We never overwrite it. */
export class DatabaseCorruptError extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      `The database ${path} cannot be read: ${detail}. It has not been changed or overwritten. ` +
        `Restore it from a backup, or move it aside to start with an empty database ` +
        `(run folders next to it are not affected).`,
    )
    this.name = 'DatabaseCorruptError'
  }
}

const corruptionCodes = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

export function isCorruptionError(error: unknown): error is Error & { code: string } {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && [...corruptionCodes].some((c) => code.startsWith(c))
}
