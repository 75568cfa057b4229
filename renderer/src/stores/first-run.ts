import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DemoPlan } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { walkthrough, walkthroughShown } from '../first-run/walkthrough-steps'
import { useDatasetsStore } from './datasets'
import { useModelsStore } from './models'
import { useNewRunStore } from './new-run'
import { useRunsStore } from './runs'
import { useSettingsStore } from './settings'

/** The preset a first run on the user's own model and data starts from: the paper's MoV with 10 experts. */
export const FIRST_RUN_PRESET_ID = 'mov-10'

/** What the walkthrough is doing now, so its button shows it and the others wait. */
export type FirstRunWork = 'model' | 'dataset' | 'demo' | 'prefill'

/**
 * The first-run walkthrough of an empty studio (the Runs page): its steps from the model, dataset
 * and run lists the other stores hold, the demo calls behind its buttons, and whether the user
 * closed it (kept in Settings, so it stays closed).
 */
export const useFirstRunStore = defineStore('first-run', () => {
  const models = useModelsStore()
  const datasets = useDatasetsStore()
  const runs = useRunsStore()
  const settings = useSettingsStore()
  const newRun = useNewRunStore()

  /** Where the demo pieces go: a model and dataset at these paths are the demo's, and their first run is the demo's. */
  const plan = ref<DemoPlan | null>(null)
  const chosenModelId = ref<string | null>(null)
  const chosenDatasetId = ref<string | null>(null)
  const working = ref<FirstRunWork | null>(null)
  const error = ref<ApiCallError | null>(null)
  /** What failed, in the user's words. */
  const errorTitle = ref('')

  const steps = computed(() =>
    walkthrough({ models: models.models, datasets: datasets.datasets, runs: runs.runs, chosenModelId: chosenModelId.value, chosenDatasetId: chosenDatasetId.value }),
  )
  const dismissed = computed(() => settings.state?.settings.walkthroughDismissed ?? false)
  const shown = computed(() =>
    walkthroughShown({ loaded: runs.loaded && models.loaded && datasets.loaded && settings.state !== null, runs: runs.runs, dismissed: dismissed.value }),
  )
  /** The first run would train the demo's own configuration: both pieces are the demo's. */
  const onDemoPieces = computed(() => {
    const { model, dataset } = steps.value
    return plan.value !== null && model?.path === plan.value.modelPath && dataset?.path === plan.value.dataPath
  })

  /** Reads what the walkthrough needs; the runs list is the page's own (it listens for new runs). */
  async function load(): Promise<void> {
    const readPlan = api.demoPlan({}).then(
      (answer) => void (plan.value = answer),
      // Without the plan the run step offers MoV-10, as for any model: nothing the user must see.
      () => undefined,
    )
    await Promise.all([readPlan, settings.state ? null : settings.load(), models.load(), datasets.load()])
  }

  async function attempt<T>(work: FirstRunWork, title: string, call: () => Promise<T>): Promise<T | null> {
    working.value = work
    error.value = null
    try {
      return await call()
    } catch (failure) {
      error.value = toApiCallError(failure, title)
      errorTitle.value = title
      return null
    } finally {
      working.value = null
    }
  }

  async function makeDemoModel(): Promise<void> {
    const made = await attempt('model', 'Could not make the demo model', () => api.demoMakeModel({}))
    if (!made) return
    chosenModelId.value = made.model.id
    await models.load()
  }

  async function useSample(): Promise<void> {
    const made = await attempt('dataset', 'Could not add the sample dataset', () => api.demoMakeDataset({}))
    if (!made) return
    chosenDatasetId.value = made.dataset.id
    await datasets.load()
  }

  /** Makes what the demo needs and starts its run; the run's id, for its page (null: error says why). */
  async function tryDemo(): Promise<string | null> {
    const started = await attempt('demo', 'Could not start the demo', () => api.demoStart({}))
    if (!started) return null
    // The Models and Datasets pages list the demo pieces at once.
    void models.load()
    void datasets.load()
    return started.run.id
  }

  /**
   * Fills New run for the first run: the demo's configuration on the demo's pieces, else the chosen
   * model and dataset (its split, format and mapping, as its Dataset select would) with MoV-10.
   * False when a step is not done yet or the dataset cannot be read.
   */
  async function prefillNewRun(): Promise<boolean> {
    const { model, dataset } = steps.value
    if (!model || !dataset) return false
    if (onDemoPieces.value && plan.value) {
      newRun.loadRunConfig(plan.value.config, 'demo')
      newRun.draft.name = plan.value.config.name ?? ''
      return true
    }
    const detail = await attempt('prefill', `Could not read the dataset ${dataset.name}`, () => api.datasetsShow({ id: dataset.id }))
    if (!detail) return false
    newRun.reset()
    newRun.chooseModel(model.path)
    newRun.chooseDataset(detail, datasets.datasets)
    newRun.applyPreset(FIRST_RUN_PRESET_ID)
    return true
  }

  async function setDismissed(value: boolean): Promise<void> {
    await settings.save({ walkthroughDismissed: value })
    if (settings.saveError) {
      error.value = settings.saveError
      errorTitle.value = value ? 'Could not remember that the walkthrough is closed' : 'Could not show the walkthrough again'
    }
  }

  return {
    plan, chosenModelId, chosenDatasetId, working, error, errorTitle, steps, dismissed, shown, onDemoPieces,
    load, makeDemoModel, useSample, tryDemo, prefillNewRun, dismiss: () => setDismissed(true), showAgain: () => setDismissed(false),
  }
})
