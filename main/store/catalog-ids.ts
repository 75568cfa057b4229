import { resolve } from 'node:path'
import type { RunConfig } from '../contract'
import type { CatalogRepo } from './repos/catalog-repo'
import type { DatasetsRepo } from './repos/datasets-repo'

/**
 * The registered model and dataset a configuration (paths absolute) names by path, so lists can
 * show their names. A run started and a run registered again from its folder after a restore
 * (reregister-runs.ts) are linked the same way.
 */
export function catalogIds(store: { catalog: CatalogRepo; datasets: DatasetsRepo }, config: RunConfig): { modelId: string | null; datasetId: string | null } {
  const folder = config.model.path
  const model = store.catalog.findModelByPath(folder) ?? store.catalog.listModels().find((m) => resolve(m.path) === folder)
  const dataset = store.datasets.list().find((d) => resolve(d.path) === config.data.train)
  return { modelId: model?.id ?? null, datasetId: dataset?.id ?? null }
}
