// What the studio keeps or knows on disk, read from its store: an export never replaces any of
// it, nor a folder holding it (export-target.ts). The data folder holds the database and every
// run; model folders and dataset files are the user's, which runs and the catalog point at.
import { dirname, resolve } from 'node:path'
import type { ExportStoreContext } from './source'

export interface KnownPlace {
  /** The folder (absolute). */
  dir: string
  /** What it is, in words for a message: "the folder of model qwen-tiny". */
  what: string
}

export interface StudioPlaces {
  dataDir: string
  /** Registered model folders and the folders of imported dataset files. */
  known: KnownPlace[]
}

export function studioPlaces({ store, dataDir }: ExportStoreContext): StudioPlaces {
  const models = store.catalog.listModels().map((m) => ({ dir: resolve(m.path), what: `the folder of model ${m.name}` }))
  const datasets = store.datasets.list().map((d) => ({ dir: dirname(resolve(d.path)), what: `the folder of dataset ${d.name} (${resolve(d.path)})` }))
  return { dataDir: resolve(dataDir), known: [...models, ...datasets] }
}
