import { ApiCallError } from '../contract'
import { DatasetFileError, DatasetRowError, MappingError, TemplateError, TokenizerLoadError } from '../data'

/** Problems with the user's file, mapping, template or model are theirs to fix: invalid_input, with the message as is. */
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
  return error
}
