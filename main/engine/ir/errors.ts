/** A graph that cannot be built: the message names the op, its inputs and their shapes. */
export class GraphBuildError extends Error {
  override name = 'GraphBuildError'
}
