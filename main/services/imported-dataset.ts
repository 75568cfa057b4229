import { resolve } from 'node:path'
import type { ImportedDatasetRecord, Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'

/** The imported dataset of a run's training file (data.train as typed), if the file was imported. */
export function importedDatasetOf(store: Store, trainFile: string): ImportedDatasetRecord | undefined {
  const path = resolveTypedPath(trainFile)
  return store.datasets.list().find((d) => resolve(d.path) === path)
}
