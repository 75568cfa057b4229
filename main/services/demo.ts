// "Try the demo", "Make the demo model" and "Use the sample" in the app, and the pieces
// `mixture-studio demo` trains on: the tiny model and the sample dataset are written into the data
// folder once (main/demo/demo-files.ts) and registered through the same calls an import takes, so
// they show on the Models and Datasets pages like the user's own. Every call reuses what is there:
// a second click finds the files and the records and makes nothing twice.
//
// The demo run is a normal run (runsStart: a `train` job, its curves live on the Run page). While
// one is queued or trains, Try the demo answers that run instead of starting a second beside it:
// the user clicked to see the demo train, and it is on its way.
import { resolve } from 'node:path'
import { DatasetsImportInput, ModelConfig, type CallOutput, type CallParsedInput, type RunSummary } from '../contract'
import { demoModelDir, ensureDemoModelFiles, ensureSampleDataFile, sampleDataPath } from '../demo/demo-files'
import { demoRunConfig } from '../demo/demo-run-config'
import { DEMO_STEPS } from '../contract/demo'
import { ACTIVE_RUN_STATUSES, type Store } from '../store'

export const DEMO_MODEL_NAME = 'Demo model (tiny Llama)'
export const DEMO_DATASET_NAME = 'Demo sample (copy, reverse, upper, count)'

/** A demo run in one of these is answered again rather than started twice: waiting for its device, starting, training. */
const UNFINISHED_STATUSES = ['queued', ...ACTIVE_RUN_STATUSES] as const

/** The calls the demo goes through, as an import or New run would. */
export interface DemoDependencies {
  modelsImport(input: CallParsedInput<'modelsImport'>): Promise<CallOutput<'modelsImport'>>
  modelsShow(input: CallParsedInput<'modelsShow'>): Promise<CallOutput<'modelsShow'>>
  datasetsImport(input: CallParsedInput<'datasetsImport'>): Promise<CallOutput<'datasetsImport'>>
  datasetsShow(input: CallParsedInput<'datasetsShow'>): Promise<CallOutput<'datasetsShow'>>
  runsStart(input: CallParsedInput<'runsStart'>): Promise<CallOutput<'runsStart'>>
}

export function createDemoHandlers(store: Store, dataDir: string, calls: DemoDependencies) {
  const modelDir = demoModelDir(resolve(dataDir))
  const dataPath = sampleDataPath(resolve(dataDir))

  // One demo call at a time: two quick clicks would otherwise both find no record and register
  // the pieces twice, or both find no demo run and start two.
  let queue: Promise<unknown> = Promise.resolve()
  function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work)
    queue = next.catch(() => undefined)
    return next
  }

  async function makeModel(): Promise<CallOutput<'demoMakeModel'>> {
    const made = ensureDemoModelFiles(modelDir) !== null
    const registered = store.catalog.findModelByPath(modelDir)
    const model = registered ? await calls.modelsShow({ id: registered.id }) : await calls.modelsImport({ path: modelDir, name: DEMO_MODEL_NAME })
    return { model, made }
  }

  async function makeDataset(): Promise<CallOutput<'demoMakeDataset'>> {
    const made = ensureSampleDataFile(dataPath)
    // The newest record of the file, as the Datasets page lists them; a validation file's record is not it.
    const registered = store.datasets.list().find((record) => record.path === dataPath)
    const dataset = registered
      ? await calls.datasetsShow({ id: registered.id })
      : await calls.datasetsImport(DatasetsImportInput.parse({ path: dataPath, name: DEMO_DATASET_NAME }))
    return { dataset, made }
  }

  /** A demo run on these pieces that is queued, starting or training now, if any. */
  function unfinishedDemoRun(): RunSummary | null {
    for (const status of UNFINISHED_STATUSES) {
      for (const run of store.runs.list({ status, limit: 100 })) {
        const config = store.runs.get(run.id)?.config as { model?: unknown; data?: { train?: string } } | undefined
        // A folder (runs from before model.quantize) or { path, quantize }.
        if (ModelConfig.safeParse(config?.model).data?.path === modelDir && config?.data?.train === dataPath) return run
      }
    }
    return null
  }

  return {
    async demoPlan(): Promise<CallOutput<'demoPlan'>> {
      return { modelPath: modelDir, dataPath, config: demoRunConfig({ model: modelDir, data: dataPath }, DEMO_STEPS) }
    },
    demoMakeModel: (): Promise<CallOutput<'demoMakeModel'>> => oneAtATime(makeModel),
    demoMakeDataset: (): Promise<CallOutput<'demoMakeDataset'>> => oneAtATime(makeDataset),
    demoStart: ({ steps }: CallParsedInput<'demoStart'>): Promise<CallOutput<'demoStart'>> =>
      oneAtATime(async () => {
        await makeModel()
        await makeDataset()
        const unfinished = unfinishedDemoRun()
        if (unfinished) return { run: unfinished, jobId: null, reused: true }
        const started = await calls.runsStart({ config: demoRunConfig({ model: modelDir, data: dataPath }, steps) })
        return { ...started, reused: false }
      }),
  }
}
