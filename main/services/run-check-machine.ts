// What the checks before Start ask of this machine, answered as the System page and the Cost
// panel answer it: the providers collectSystemInfo lists (with the data folder's CUDA runtime,
// which a run's job process loads), free memory, and runsEstimate's memory.
import { freemem } from 'node:os'
import type { Store } from '../store'
import { readAppVersion } from '../runtime/app-version'
import { createEstimateHandlers } from './estimate'
import type { RunCheckMachine } from './run-checks'
import { collectSystemInfo } from './system-info'

export function runCheckMachine(store: Store, dataDir: string): RunCheckMachine {
  const { runsEstimate } = createEstimateHandlers(store, dataDir)
  return {
    // Only the providers are read: the app version in the answer does not matter here.
    providers: async () => (await collectSystemInfo({ appVersion: readAppVersion(), dataDir })).providers,
    freeMemoryBytes: freemem,
    estimate: (config) => runsEstimate({ config }),
  }
}
