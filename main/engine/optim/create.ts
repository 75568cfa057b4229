import { Adafactor, type AdafactorOptions } from './adafactor'
import { AdamW, type AdamWOptions } from './adamw'
import { Sgd, type SgdOptions } from './sgd'
import { OptimizerError } from './slots'
import type { Optimizer, OptimizerKind, ParameterShape } from './types'

export const OPTIMIZER_NAMES: readonly OptimizerKind[] = ['adamw', 'adafactor', 'sgd']

export type OptimizerSpec =
  | ({ optimizer: 'adamw' } & AdamWOptions)
  | ({ optimizer: 'adafactor' } & AdafactorOptions)
  | ({ optimizer: 'sgd' } & SgdOptions)

/** The optimizer a run configuration names (`train.optimizer`), over the adapter's parameters. */
export function createOptimizer(params: readonly ParameterShape[], spec: OptimizerSpec): Optimizer {
  switch (spec.optimizer) {
    case 'adamw':
      return new AdamW(params, spec)
    case 'adafactor':
      return new Adafactor(params, spec)
    case 'sgd':
      return new Sgd(params, spec)
    default: {
      const unknown: never = spec
      throw new OptimizerError(`train.optimizer '${(unknown as { optimizer: string }).optimizer}' is unknown; use one of ${OPTIMIZER_NAMES.join(', ')}`)
    }
  }
}
