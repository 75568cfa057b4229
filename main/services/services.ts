import type { CallName, CallOutput, CallParsedInput, EventName, EventPayload } from '../contract'
import { createNodeSpawner, JobRunner, type JobSpawner } from '../jobs'
import { openStore, type Store } from '../store'
import { forgetMissingCheckpoints } from '../store/reconcile-checkpoints'
import { readAppVersion } from '../runtime/app-version'
import { collectSystemInfo } from './system-info'
import { createDatasetHandlers } from './datasets'
import { createModelHandlers } from './models'
import { createSettingsHandlers } from './settings'
import { createRunHandlers } from './runs'
import { createExportHandlers } from './exports'
import { createEstimateHandlers, createStepMeasureHandlers } from './estimate'
import { createPlaygroundHandlers } from './playground'
import { createEvaluationHandlers } from './evaluations'
import { createHubHandlers, type HubServiceOptions } from './hub'
import { createCudaHandlers } from './cuda-support'
import { createDemoHandlers } from './demo'
import { createFileHandlers } from './files'
import { createStorageHandlers } from './storage'
import { ApiCallError } from '../contract'
import { jobProcesses, thisProcess } from './work-place'

/** One handler per contract call, taking the input already validated by the transport. */
export type CallHandlers = {
  [N in CallName]: (input: CallParsedInput<N>) => Promise<CallOutput<N>>
}

export interface Services extends CallHandlers {
  readonly dataDir: string
  readonly store: Store
  subscribe<N extends EventName>(event: N, listener: (payload: EventPayload<N>) => void): () => void
  /** Cancels running jobs and closes the store. */
  close(): Promise<void>
}

export interface ServicesOptions {
  dataDir: string
  /** How job processes start; Node's fork unless the Electron app supplies utilityProcess. */
  spawner?: JobSpawner
  appVersion?: string
  /**
   * Imports, large previews and exports run in the calling process rather than in job processes:
   * for the CLI, which has no other calls to keep answering (see work-place.ts). Never for a server.
   */
  longCallsInProcess?: boolean
  /** The folder web mode's file browser starts from and may show (with the data folder); default the user's home. */
  homeDir?: string
  /** The desktop app's native file picker; absent in web mode and the CLI. */
  openFileDialog?: (input: CallParsedInput<'dialogOpenFile'>) => Promise<CallOutput<'dialogOpenFile'>>
  /**
   * This process starts queued runs when their device frees, and on open those a closed studio left
   * (default true). False for a one-shot CLI command: it would start runs it cannot wait for.
   */
  startsQueuedRuns?: boolean
  /** The Hub's environment (default process.env) and the desktop app's token encryption. */
  hub?: HubServiceOptions
}

/** The use cases behind every contract call, free of Electron and of any transport. */
export function createServices(options: ServicesOptions): Services {
  const { dataDir } = options
  const store = openStore(dataDir)
  // Before anything lists them: checkpoints whose folders are gone (a kill mid-prune, a hand deletion).
  forgetMissingCheckpoints(store)
  // A job finds the data folder as any process does (its CUDA runtime before anything else is
  // loaded: main/jobs/worker.ts): told it here, it is always this services' one.
  const jobs = new JobRunner(options.spawner ?? createNodeSpawner(), { env: { MIXTURE_STUDIO_HOME: dataDir } })
  const appVersion = options.appVersion ?? readAppVersion()
  const longWork = options.longCallsInProcess ? thisProcess : jobProcesses(jobs)

  const datasets = createDatasetHandlers(store, dataDir, longWork)
  const runs = createRunHandlers(store, dataDir, jobs, { startsQueuedRuns: options.startsQueuedRuns ?? true })
  const models = createModelHandlers(store, dataDir)

  return {
    dataDir,
    store,
    systemInfo: async () => collectSystemInfo({ appVersion, dataDir }),
    runsList: async ({ status, limit }) => store.runs.list({ status, limit }),
    jobsStart: async ({ kind }) => jobs.start(kind),
    jobsCancel: async ({ jobId }) => jobs.cancel(jobId),
    jobsList: async () => jobs.list(),
    ...createCudaHandlers(dataDir, jobs),
    ...datasets,
    ...runs,
    ...createExportHandlers(store, dataDir, longWork),
    ...createEstimateHandlers(store, dataDir, longWork),
    ...createStepMeasureHandlers(dataDir, longWork),
    ...createPlaygroundHandlers(store, dataDir, jobs),
    ...createEvaluationHandlers(store, dataDir, jobs, options.longCallsInProcess ?? false),
    ...models,
    ...createSettingsHandlers(dataDir),
    ...createHubHandlers(store, dataDir, longWork, options.hub),
    ...createDemoHandlers(store, dataDir, { ...models, ...datasets, ...runs }),
    ...createFileHandlers(dataDir, options.homeDir),
    ...createStorageHandlers(store, dataDir, options.hub?.env),
    async dialogOpenFile(input) {
      if (!options.openFileDialog) {
        throw new ApiCallError('invalid_input', 'There is no file picker in web mode: type the path of the file instead.')
      }
      return options.openFileDialog(input)
    },
    subscribe(event, listener) {
      // A `switch` with a never-check keeps new events from being forgotten.
      const name: EventName = event
      switch (name) {
        case 'onJobEvent':
          return jobs.subscribe(listener as (payload: EventPayload<'onJobEvent'>) => void)
        case 'onRunEvent':
          return jobs.subscribeRunEvents(listener as (payload: EventPayload<'onRunEvent'>) => void)
        default:
          throw new Error(`unknown event ${String(name satisfies never)}`)
      }
    },
    async close() {
      await jobs.shutdown()
      store.close()
    },
  }
}
