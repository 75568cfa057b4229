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
