/**
 * Why a cluster job cannot be brought home; the message names the file, line, field or tensor and
 * what to do. `not_found`: there is no job folder there; `already_imported`: the job is a run of
 * this studio already; `invalid`: something in the folder is not what train.py writes.
 */
export class ImportJobError extends Error {
  override name = 'ImportJobError'
  constructor(
    message: string,
    readonly reason: 'not_found' | 'invalid' | 'already_imported' = 'invalid',
  ) {
    super(message)
  }
}
