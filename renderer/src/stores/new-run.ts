import { defineStore } from 'pinia'
import type { EvalDraft } from '../run-config/eval-sets'
import { computed, ref, watch } from 'vue'
import { RunConfig, type DatasetDetail, type DatasetSummary, type RunCheckProblem, type RunEstimate, type RunStarted } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { adapterDefaults, checkDraft, draftFromConfig, draftToInput, emptyDraft, withPreset, withTrainLength, type RunDraft } from '../run-config/draft'
import { dataSectionFor } from '../run-config/dataset-section'
import type { AdapterMethodName } from '../run-config/adapter-methods'
import { ADAPTER_PRESETS } from '../run-config/presets'
import { configFromYaml, configToYaml } from '../run-config/yaml'
import { useDatasetsStore } from './datasets'

/** Quiet time after the last edit before the estimate is asked for (it builds the model's graph). */
export const ESTIMATE_DELAY_MS = 300

export const useNewRunStore = defineStore('new-run', () => {
  const draft = ref<RunDraft>(emptyDraft())
  /** The preset the adapter section came from, until the user changes a field of it. */
  const presetId = ref<string | null>(null)
  /** Fields are judged once touched, or all of them after Start was pressed. */
  const touched = ref<Set<string>>(new Set())
  const startAttempted = ref(false)

  const datasets = useDatasetsStore()
  /** Examples in the training file when it is an imported dataset: a split must leave some of them to train on. */
  const trainExamples = computed(() => datasets.datasets.find((d) => d.path === String(draft.value.data.train ?? '').trim())?.numExamples ?? null)
  const check = computed(() => checkDraft(draft.value, trainExamples.value))
  const valid = computed(() => check.value.config !== null)
  const yaml = computed(() => configToYaml(draftToInput(draft.value)))

  const estimate = ref<RunEstimate | null>(null)
  const estimateError = ref<ApiCallError | null>(null)
  const estimating = ref(false)
  let estimateTimer: ReturnType<typeof setTimeout> | null = null
  let estimateAsked = 0

  /**
   * The checks before Start (runsCheck): what the service would refuse (a file it cannot read, an
   * adapter that does not fit, a device this machine lacks, a max length past the model's context)
   * and its memory warning, for the configuration last asked about.
   */
  const serverProblems = ref<RunCheckProblem[]>([])
  let checksAsked = 0

  const starting = ref(false)
  const startError = ref<ApiCallError | null>(null)
  const loadProblems = ref<string[]>([])
  /** What kind of refusal loadProblems are, in the user's words. */
  const loadProblemsTitle = ref('')

  /**
   * The problem to show under a field: the form's own, once it is time to show it (it, or a list
   * holding it, was touched), else the service's refusal, at once (a file named in a loaded YAML
   * that is not there is worth saying before Start).
   */
  function issueOf(path: string): string | null {
    // Start's refusal of a field (a split the server counted) shows under it like the form's own checks.
    const issue = check.value.issues[path] ?? startError.value?.issues?.find((i) => i.path === path)?.message
    const due = startAttempted.value || touched.value.has(path) || [...touched.value].some((t) => path.startsWith(`${t}.`))
    if (issue && due) return issue
    return serverProblems.value.find((p) => p.path === path && p.severity === 'refusal')?.message ?? null
  }

  /** The service's warning about a field (memory, on the device), which does not stop Start. */
  function warningOf(path: string): string | null {
    return serverProblems.value.find((p) => p.path === path && p.severity === 'warning')?.message ?? null
  }

  /** Fields Start is or would be refused for: the form's own problems, the checks' refusals and Start's own. */
  const problemCount = computed(() => new Set([
    ...Object.keys(check.value.issues),
    ...serverProblems.value.filter((p) => p.severity === 'refusal').map((p) => p.path),
    ...(startError.value?.issues ?? []).map((i) => i.path),
  ]).size)

  function touch(path: string): void {
    touched.value = new Set(touched.value).add(path)
  }

  function setField(section: 'data' | 'adapter' | 'train', key: string, value: unknown): void {
    if (section === 'train') draft.value.train = withTrainLength(draft.value.train, key, value)
    else draft.value[section][key] = value
    touch(`${section}.${key}`)
    if (section === 'adapter') presetId.value = null
  }

  /** Replaces fields of the eval section (sets, prompts, max_new_tokens, length_normalize). */
  function setEval(patch: Partial<EvalDraft>): void {
    draft.value.eval = { ...draft.value.eval, ...patch }
    for (const key of Object.keys(patch)) touch(`eval.${key}`)
  }

  /**
   * Turns early stopping on (a metric, patience 3 and min_delta 0 until changed), edits it, or
   * turns it off (null).
   */
  function setEarlyStopping(patch: Partial<{ metric: string; patience: number | null; min_delta: number | null }> | null): void {
    const current = (draft.value.train.early_stopping ?? null) as Record<string, unknown> | null
    draft.value.train = { ...draft.value.train, early_stopping: patch === null ? null : { metric: 'eval_loss', patience: 3, min_delta: 0, ...current, ...patch } }
    for (const key of patch === null ? ['metric'] : Object.keys(patch)) touch(`train.early_stopping.${key}`)
  }

  function setDevice(device: string): void {
    draft.value.device = device
    touch('device')
  }

  /** Settings' default device, unless the user already chose one here. */
  function suggestDevice(device: string | undefined): void {
    if (device && !touched.value.has('device')) draft.value.device = device
  }

  function setMethod(method: AdapterMethodName): void {
    draft.value.adapter = adapterDefaults(method)
    presetId.value = null
  }

  function applyPreset(id: string): void {
    const preset = ADAPTER_PRESETS.find((p) => p.id === id)
    if (!preset) return
    draft.value = withPreset(draft.value, preset)
    presetId.value = id
  }

  function chooseModel(path: string): void {
    draft.value.model = path
    touch('model')
  }

  function setQuantize(quantize: RunDraft['quantize']): void {
    draft.value.quantize = quantize
    touch('model.quantize')
  }

  function chooseDataset(dataset: DatasetDetail, all: readonly DatasetSummary[]): void {
    draft.value.data = { ...draft.value.data, ...dataSectionFor(dataset, all) }
    touch('data.train')
  }

  /** Asks for the estimate and the checks before Start once the form has been quiet for ESTIMATE_DELAY_MS. */
  function scheduleEstimate(): void {
    // The figures shown are stale from this edit on, not only once the request leaves.
    estimating.value = true
    if (estimateTimer) clearTimeout(estimateTimer)
    estimateTimer = setTimeout(() => {
      void refreshEstimate()
      void refreshChecks()
    }, ESTIMATE_DELAY_MS)
  }

  /** Runs the checks before Start on the current configuration; an answer to an older one is dropped. */
  async function refreshChecks(): Promise<void> {
    const asked = ++checksAsked
    // The answer was about a configuration that is gone: a file fixed since must not stay red.
    if (!check.value.config) {
      serverProblems.value = []
      return
    }
    try {
      const answer = await api.runsCheck({ config: draftToInput(draft.value) })
      if (asked === checksAsked) serverProblems.value = answer.problems
    } catch {
      // The checks only add to what Start says: a failed call leaves Start to refuse, in its own words.
      if (asked === checksAsked) serverProblems.value = []
    }
  }

  /** Estimates the current configuration now; an answer to an older one is dropped. */
  async function refreshEstimate(): Promise<void> {
    const config = check.value.config
    const asked = ++estimateAsked
    if (!config) {
      estimating.value = false
      return
    }
    estimating.value = true
    try {
      const answer = await api.runsEstimate({ config: draftToInput(draft.value) })
      if (asked !== estimateAsked) return
      estimate.value = answer
      estimateError.value = null
    } catch (error) {
      if (asked !== estimateAsked) return
      estimate.value = null
      estimateError.value = toApiCallError(error, 'runsEstimate')
    } finally {
      if (asked === estimateAsked) estimating.value = false
    }
  }

  watch(draft, scheduleEstimate, { deep: true })
  // A refusal of fields speaks of the configuration Start was pressed with, not of the edited one.
  watch(draft, () => {
    if (startError.value?.issues?.length) startError.value = null
  }, { deep: true })

  /** Starts the run; null (with startError or field issues shown) when it could not. */
  async function start(): Promise<RunStarted | null> {
    startAttempted.value = true
    if (!valid.value) return null
    starting.value = true
    startError.value = null
    try {
      const started = await api.runsStart({ config: draftToInput(draft.value) })
      // Each run is named afresh: the form, kept for the next run, must not give it this run's name.
      draft.value.name = ''
      return started
    } catch (error) {
      startError.value = toApiCallError(error, 'runsStart')
      return null
    } finally {
      starting.value = false
    }
  }

  /**
   * Replaces the form by a YAML (or JSON) configuration, its relative paths resolved against
   * `folder`, the file's folder (null when the page cannot know it: relative paths are then
   * refused); false with loadProblems when it is refused.
   */
  function loadYaml(text: string, fileName: string, folder: string | null = null): boolean {
    const loaded = configFromYaml(text, fileName, folder)
    if (!loaded.ok) {
      loadProblems.value = loaded.problems
      loadProblemsTitle.value = loaded.title
      return false
    }
    loadProblems.value = []
    draft.value = draftFromConfig(loaded.config)
    presetId.value = null
    return true
  }

  /**
   * Fills the form with a run's configuration ("Clone run", "Edit and run again"), less its name:
   * the new run is named afresh. False with loadProblems when the stored configuration no
   * longer reads (a run recorded by an older version).
   */
  function loadRunConfig(config: unknown, runName: string): boolean {
    reset()
    const parsed = RunConfig.safeParse(config)
    if (!parsed.success) {
      loadProblems.value = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'configuration'}: ${issue.message}`)
      loadProblemsTitle.value = `The configuration of run ${runName} cannot be read`
      return false
    }
    draft.value = { ...draftFromConfig(parsed.data), name: '' }
    // The run's device is the run's choice: the page opening next must not put Settings' default over it.
    touch('device')
    return true
  }

  function reset(): void {
    // The figures were for the form before: an empty form shows none, and an answer on its way is dropped.
    estimateAsked++
    checksAsked++
    serverProblems.value = []
    estimate.value = null
    estimateError.value = null
    draft.value = emptyDraft()
    presetId.value = null
    touched.value = new Set()
    startAttempted.value = false
    startError.value = null
    loadProblems.value = []
  }

  return {
    draft, presetId, check, valid, yaml, estimate, estimateError, estimating, starting, startError, loadProblems, loadProblemsTitle, startAttempted, serverProblems, problemCount,
    issueOf, warningOf, touch, setField, setEval, setEarlyStopping, setDevice, suggestDevice, setMethod, applyPreset, chooseModel, setQuantize, chooseDataset, scheduleEstimate, refreshEstimate, refreshChecks, start, loadYaml, loadRunConfig, reset,
  }
})
