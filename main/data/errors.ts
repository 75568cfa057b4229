import { noRoomCode } from '../runtime/file-writes'
import { formatProblem, type RowProblem } from './types'

/** The file as a whole cannot be read as a dataset (empty, binary, unknown type ...). */
export class DatasetFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`)
    this.name = 'DatasetFileError'
  }
}

/** The user chose to stop at the first bad row (`--on-error stop`), and here it is. */
export class DatasetRowError extends Error {
  constructor(readonly problem: RowProblem) {
    super(`${formatProblem(problem)} (import stopped at the first bad row; fix it, or import with --on-error skip to skip bad rows and list them in the report)`)
    this.name = 'DatasetRowError'
  }
}

/** A chat template that cannot give prompt/completion boundaries, or failed to render. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TemplateError'
  }
}

/**
 * The disk (or the user's quota) ran out while an import wrote `what` into `folder`. The writer
 * removes what it had written, and the catalog is written only after the files, so nothing was
 * registered.
 */
export class DiskFullError extends Error {
  constructor(
    readonly folder: string,
    what: string,
    code: 'ENOSPC' | 'EDQUOT',
  ) {
    const full = code === 'EDQUOT' ? 'your disk quota is used up' : 'the disk is full'
    super(
      `${full}: no room to write ${what} in ${folder}. The import stopped, its partly written file was removed and nothing was registered; ` +
        'free space on that disk (or set MIXTURE_STUDIO_HOME to a folder on a disk with room) and try again',
    )
    this.name = 'DiskFullError'
  }
}

/** `error` as a DiskFullError when it says the disk ran out of room, else as it is. */
export function diskFullOr(error: unknown, folder: string, what: string): unknown {
  const code = noRoomCode(error)
  return code === 'ENOSPC' || code === 'EDQUOT' ? new DiskFullError(folder, what, code) : error
}
