import type { OpName, Value } from '../ir'

/** A gradient that cannot be built: the message names the op, scope and tensor involved. */
export class AutodiffError extends Error {
  override name = 'AutodiffError'
}

/** The path from a parameter to the loss runs through an op without a gradient. */
export class NotDifferentiableError extends AutodiffError {
  override name = 'NotDifferentiableError'

  constructor(
    readonly op: OpName,
    readonly scope: string | null,
    readonly value: Value,
    wrtNames: readonly string[],
  ) {
    super(
      `cannot differentiate ${op}${scope ? ` at scope '${scope}'` : ''}: its output ${value.describe()} lies on the path ` +
        `from ${wrtNames.join(', ')} to the loss, and ${op} has no gradient. ` +
        `Wrap its input in F.stopGradient if no gradient should flow there, or add a rule for ${op} in main/engine/autodiff/rules.`,
    )
  }
}
