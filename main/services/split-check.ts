import type { RunConfig } from '../contract'
import { examplesAtMost } from '../data/examples-bound'
import { runSplitSpec, splitLeavesNothing } from '../data/split'
import type { Store } from '../store'

/**
 * Why a run's data.split leaves nothing to train on, or null (also when the examples cannot be
 * counted). The count is the catalog's for an imported dataset, else the file's non-blank lines (at
 * least as many as its examples). Asked before a run is created (runsStart, runsCheck, the CLI's
 * train): the run would only fail once its data was read.
 */
export function splitLeavingNothing(store: Store, config: RunConfig, datasetId: string | null): string | null {
  if (config.data.split === null) return null
  const examples = (datasetId === null ? null : store.datasets.get(datasetId)?.numExamples) ?? examplesAtMost(config.data.train)
  if (!examples) return null
  return splitLeavesNothing(runSplitSpec(config.data.split, config.train.seed), examples)
}
