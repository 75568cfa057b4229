// What the checks before Start ask of this machine, answered as the System page and the Cost
// panel answer it: the providers collectSystemInfo lists (with the data folder's CUDA runtime,
// which a run's job process loads), free memory, runsEstimate's memory, the token lengths an
// import counted for the run's training file, and the data folder's disk for a quantized copy.
import { freemem } from 'node:os'
import { resolve } from 'node:path'
import type { LengthStats } from '../data/length-stats'
import type { Store } from '../store'
import { readAppVersion } from '../runtime/app-version'
import { createEstimateHandlers } from './estimate'
import type { RunCheckMachine } from './run-checks'
import { collectSystemInfo } from './system-info'
import { importedDatasetOf } from './imported-dataset'
import { diskSpace } from '../store/data-folder-usage'
import { currentCopyDir } from '../models/quantized/quantize-folder'

export function runCheckMachine(store: Store, dataDir: string): RunCheckMachine {
  const { runsEstimate } = createEstimateHandlers(store, dataDir)
  return {
    // Only the providers are read: the app version in the answer does not matter here.
    providers: async () => (await collectSystemInfo({ appVersion: readAppVersion(), dataDir })).providers,
    freeMemoryBytes: freemem,
    estimate: (config) => runsEstimate({ config }),
    freeDiskBytes: () => diskSpace(dataDir)?.freeBytes ?? null,
    hasCurrentCopy: (model, scheme) => currentCopyDir(model.info, scheme, dataDir) !== null,
    importedTokenLengths: (config) => {
      const dataset = importedDatasetOf(store, config.data.train)
      // Token counts of this model's tokenizer only: the import's own model, if it had one.
      const model = typeof dataset?.options.model === 'string' ? dataset.options.model : null
      if (!dataset || model === null || resolve(model) !== resolve(config.model.path)) return null
      const tokens = (dataset.report as { stats?: { tokens?: LengthStats | null } }).stats?.tokens
      return tokens && tokens.count > 0 ? tokens : null
    },
  }
}
