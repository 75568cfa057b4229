import type { DatasetDetail } from '../../../../main/contract'

/**
 * What deleting a dataset does, said before it is done: the catalog entry and the tokenized caches
 * go, the user's own file stays, and runs that used it are unharmed (each keeps its own tokenized
 * copy in its run folder), so a dataset in use may still be deleted.
 */
export function deleteWarning(dataset: DatasetDetail, validationName: string | null): string {
  const parts = [
    `Delete ${dataset.name}${validationName ? ` and its validation file's import (${validationName})` : ''} from the list?`,
    `Its tokenized copies in the data folder are removed; your file ${dataset.path} stays where it is.`,
  ]
  if (dataset.numRuns > 0) {
    const runs = dataset.numRuns === 1 ? '1 run used it: it keeps' : `${dataset.numRuns} runs used it: each keeps`
    parts.push(`${runs} its own tokenized copy and can still be resumed, exported and compared.`)
  }
  return parts.join(' ')
}
