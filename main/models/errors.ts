/**
 * Something wrong with a model folder the user pointed us at. The message always names the file
 * (and the field or tensor where one is at fault) and says what to do about it.
 */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError'
  constructor(
    message: string,
    /** The file at fault, when there is one. */
    readonly file: string | null = null,
  ) {
    super(message)
  }
}
