import { ApiCallError } from '../contract'
import { DatasetFileError, DatasetRowError, DiskFullError, MappingError, TemplateError, TokenizerLoadError } from '../data'

/**
 * Problems with the user's file, mapping, template or model are theirs to fix: invalid_input,
 * with the message as is. A full disk is no fault of the input but as much theirs to act on:
 * conflict, with its message (where, and that nothing was registered) as is.
 */
export function asDatasetApiError(error: unknown): unknown {
  if (
    error instanceof DatasetFileError ||
    error instanceof DatasetRowError ||
    error instanceof MappingError ||
    error instanceof TemplateError ||
    error instanceof TokenizerLoadError
  ) {
    return new ApiCallError('invalid_input', error.message)
  }
  if (error instanceof DiskFullError) return new ApiCallError('conflict', error.message)
  return error
}
