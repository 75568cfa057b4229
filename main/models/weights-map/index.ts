// Per architecture, the explicit map from checkpoint tensor names to the roles a model builder
// needs, with the shape each must have.
import type { ModelSpec } from '../../engine/models/spec'
import { gpt2WeightEntries } from './gpt2'
import { llamaWeightEntries } from './llama'
import { t5WeightEntries } from './t5'
import { makeWeightMap, type WeightMap } from '../../engine/models/weight-map'

export * from './check'

/** The weight map of `spec`; `names` (the checkpoint's tensor names) settles optional prefixes. */
export function weightMapFor(spec: ModelSpec, names: ReadonlySet<string>): WeightMap {
  switch (spec.family) {
    case 'llama':
      return makeWeightMap(llamaWeightEntries(spec, names))
    case 'gpt2':
      return makeWeightMap(gpt2WeightEntries(spec, names))
    case 't5':
      return makeWeightMap(t5WeightEntries(spec, names))
    default: {
      const unreachable: never = spec
      throw new Error(`no weight map for ${JSON.stringify(unreachable)}`)
    }
  }
}
