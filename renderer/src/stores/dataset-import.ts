import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DatasetDetail, DatasetPreview, ImportedAlready } from '../../../main/contract'
import { api, ApiCallError, toApiCallError } from '../api'
import { useDatasetsStore } from './datasets'
import { useStoppableJob } from './stoppable-job'
import {
  scanProblems, splitInput, splitWarning, suggestedHeldOutCount, wizardSteps,
  type DatasetFormat, type ExamplesSeen, type ImportInput, type SplitChoice, type TemplateChoice, type WizardStep,
} from './dataset-import-input'

/** Rows read to check the file and offer its columns (the contract's preview maximum). */
export const SCAN_ROWS = 500
/** Rows rendered in the preview step. */
export const SAMPLE_ROWS = 12

/**
 * The import wizard: a file, its format and column mapping (re-previewed on every change),
 * the bad rows among the first ones, the rendered examples, the split, then the import.
 * Late answers to superseded previews are dropped, so quick changes never show stale rows.
 */
export const useDatasetImportStore = defineStore('dataset-import', () => {
  const datasets = useDatasetsStore()

  const step = ref<WizardStep>('file')
  const path = ref('')
  const name = ref('')

  /** The user's choices; null / empty = what detection found. */
  const format = ref<DatasetFormat | null>(null)
  const mappingOverrides = ref<Record<string, string>>({})

  const scan = ref<DatasetPreview | null>(null)
  const scanning = ref(false)
  const scanError = ref<ApiCallError | null>(null)
  let scanTicket = 0

  const modelPath = ref<string | null>(null)
  const template = ref<TemplateChoice>('auto')
  const trainOnPrompt = ref(false)
  const maxLength = ref<number | null>(null)
  const systemPrompt = ref('')
  const sample = ref<DatasetPreview | null>(null)
  const sampling = ref(false)
  const sampleError = ref<ApiCallError | null>(null)
  let sampleTicket = 0

  const onError = ref<'skip' | 'stop'>('stop')
  const split = ref<SplitChoice>({ kind: 'none', fraction: 0.05, count: null, seed: 42, path: '' })

  const imported = ref<DatasetDetail | null>(null)
  /** Datasets read from this file before (same path or same content): the wizard says so, and still imports. */
  const importedAlready = ref<ImportedAlready[]>([])
  let alreadyTicket = 0

  // The import runs as a job process; its progress events say how far through the file it is.
  // Stop import ends it and nothing is registered (`importStopped`, not an error).
  const importJob = useStoppableJob('dataset-import', 'datasetsImport')
  const {
    running: importing, error: importError, stopped: importStopped, stopping: stoppingImport,
    progress: importProgress, stop: stopImport,
  } = importJob
  const browseError = ref<ApiCallError | null>(null)

  const problems = computed(() => scanProblems(scan.value))
  /** The scan read every row: fewer came back than it asked for. */
  const scannedWholeFile = computed(() => (scan.value ? scan.value.rows.length < SCAN_ROWS : false))
  /** A format and a mapping the import can use. */
  const mappingReady = computed(() => !!scan.value && scan.value.format !== null && scan.value.mappingProblem === null)
  /** The usable examples among the rows read (exact when the whole file was read). */
  const examplesSeen = computed<ExamplesSeen | null>(() => (scan.value ? { seen: scan.value.rows.length - problems.value.length, exact: scannedWholeFile.value } : null))
  const suggestedCount = computed(() => suggestedHeldOutCount(examplesSeen.value))
  const splitProblem = computed(() => {
    const result = splitInput(split.value, examplesSeen.value)
    return typeof result === 'string' ? result : null
  })
  const splitAdvice = computed(() => splitWarning(split.value, examplesSeen.value))

  /** What the previews are asked for: only what the user changed, so detection does the rest. */
  function previewSpec() {
    return {
      path: path.value.trim(),
      ...(format.value ? { format: format.value } : {}),
      ...(Object.keys(mappingOverrides.value).length ? { mapping: { ...mappingOverrides.value } } : {}),
    }
  }

  /** Reads the first rows of the file with the current format and mapping. */
  async function inspect(): Promise<boolean> {
    const ticket = ++scanTicket
    if (!path.value.trim()) {
      scanError.value = new ApiCallError('invalid_input', 'Give the path of the data file to import.')
      return false
    }
    scanning.value = true
    try {
      const result = await api.datasetsPreview({ ...previewSpec(), limit: SCAN_ROWS })
      if (ticket !== scanTicket) return false
      scan.value = result
      scanError.value = null
      sample.value = null
      return true
    } catch (error) {
      if (ticket !== scanTicket) return false
      scanError.value = toApiCallError(error, 'datasetsPreview')
      return false
    } finally {
      if (ticket === scanTicket) scanning.value = false
    }
  }

  /**
   * Asks which datasets came from this file. Only advice: a failed check shows nothing rather than
   * stopping an import the user may want (the same file with other options).
   */
  async function findImportedAlready(): Promise<void> {
    const ticket = ++alreadyTicket
    let found: ImportedAlready[] = []
    try {
      found = await api.datasetsFindImported({ path: path.value.trim() })
    } catch {
      found = []
    }
    if (ticket === alreadyTicket) importedAlready.value = found
  }

  /** A different file: what was chosen for the last one no longer applies. */
  function setPath(value: string): void {
    if (value.trim() === path.value.trim()) return
    alreadyTicket++
    importedAlready.value = []
    path.value = value
    format.value = null
    mappingOverrides.value = {}
    scan.value = null
    sample.value = null
    scanError.value = null
  }

  async function chooseFormat(value: DatasetFormat): Promise<void> {
    format.value = value
    // Each format has its own fields: mappings made for the previous one do not carry over.
    mappingOverrides.value = {}
    await inspect()
  }

  async function mapField(field: string, column: string): Promise<void> {
    mappingOverrides.value = { ...mappingOverrides.value, [field]: column }
    await inspect()
  }

  /** Renders the first rows as the import will: template, masking and (with a model) tokens. */
  async function loadSample(): Promise<void> {
    const ticket = ++sampleTicket
    sampling.value = true
    try {
      const result = await api.datasetsPreview({
        ...previewSpec(),
        ...(modelPath.value ? { model: modelPath.value, ...(maxLength.value ? { maxLength: maxLength.value } : {}) } : {}),
        ...(systemPrompt.value.trim() ? { systemPrompt: systemPrompt.value } : {}),
        template: template.value,
        trainOnPrompt: trainOnPrompt.value,
        limit: SAMPLE_ROWS,
      })
      if (ticket !== sampleTicket) return
      sample.value = result
      sampleError.value = null
    } catch (error) {
      if (ticket !== sampleTicket) return
      // Examples rendered with the previous choices would pass for what these choices give.
      sample.value = null
      sampleError.value = toApiCallError(error, 'datasetsPreview')
    } finally {
      if (ticket === sampleTicket) sampling.value = false
    }
  }

  /** The import exactly as previewed: the format and the resolved mapping the user saw. */
  const importInput = computed<ImportInput | null>(() => {
    const validation = splitInput(split.value, examplesSeen.value)
    if (!mappingReady.value || !scan.value?.format || typeof validation === 'string') return null
    return {
      path: path.value.trim(),
      ...(name.value.trim() ? { name: name.value.trim() } : {}),
      format: scan.value.format,
      mapping: { ...scan.value.mapping },
      ...(systemPrompt.value.trim() ? { systemPrompt: systemPrompt.value } : {}),
      ...(modelPath.value ? { model: modelPath.value, ...(maxLength.value ? { maxLength: maxLength.value } : {}) } : {}),
      template: template.value,
      trainOnPrompt: trainOnPrompt.value,
      onError: onError.value,
      validation,
    }
  })

  async function runImport(): Promise<DatasetDetail | null> {
    const input = importInput.value
    if (!input) return null
    return importJob.track(async () => {
      const detail = await api.datasetsImport(input)
      imported.value = detail
      await datasets.remember(detail)
      return detail
    })
  }

  /** Whether the step's work is done, so the wizard may move past it. */
  function stepDone(which: WizardStep): boolean {
    switch (which) {
      case 'file':
        return !!scan.value && scanError.value === null
      case 'mapping':
        return mappingReady.value
      case 'validation':
        return mappingReady.value
      case 'preview':
        // Only examples rendered with the current choices let the import go on with them.
        return mappingReady.value && sample.value !== null && sampleError.value === null && !sampling.value
      case 'split':
        return importInput.value !== null
      default: {
        const unknown: never = which
        throw new Error(`unknown step ${String(unknown)}`)
      }
    }
  }

  /** Moves on when the current step is done (the file step reads the file first). */
  async function next(): Promise<void> {
    if (step.value === 'file') {
      if (!(await inspect())) return
      await findImportedAlready()
    }
    if (!stepDone(step.value)) return
    const index = wizardSteps.indexOf(step.value)
    if (index >= wizardSteps.length - 1) return
    step.value = wizardSteps[index + 1]
    if (step.value === 'preview' && !sample.value) await loadSample()
  }

  function back(): void {
    const index = wizardSteps.indexOf(step.value)
    if (index > 0) step.value = wizardSteps[index - 1]
  }

  /** Desktop app only: the native picker fills a path field. */
  async function browse(target: 'data' | 'validation'): Promise<void> {
    try {
      const { path: chosen } = await api.dialogOpenFile({
        title: target === 'data' ? 'Choose a data file' : 'Choose a validation file',
        filters: [{ name: 'Datasets', extensions: ['jsonl', 'json', 'csv', 'tsv', 'parquet', 'txt'] }],
      })
      browseError.value = null
      if (!chosen) return
      if (target === 'data') setPath(chosen)
      else split.value = { ...split.value, path: chosen }
    } catch (error) {
      browseError.value = toApiCallError(error, 'dialogOpenFile')
    }
  }

  function reset(): void {
    scanTicket++
    sampleTicket++
    step.value = 'file'
    alreadyTicket++
    importedAlready.value = []
    path.value = ''
    name.value = ''
    format.value = null
    mappingOverrides.value = {}
    scan.value = null
    scanning.value = false
    scanError.value = null
    modelPath.value = null
    template.value = 'auto'
    trainOnPrompt.value = false
    maxLength.value = null
    systemPrompt.value = ''
    sample.value = null
    sampling.value = false
    sampleError.value = null
    onError.value = 'stop'
    split.value = { kind: 'none', fraction: 0.05, count: null, seed: 42, path: '' }
    importing.value = false
    importError.value = null
    imported.value = null
    importStopped.value = false
    stoppingImport.value = false
    browseError.value = null
  }

  return {
    step, path, name, format, mappingOverrides, scan, scanning, scanError, problems, scannedWholeFile, mappingReady,
    modelPath, template, trainOnPrompt, maxLength, systemPrompt, sample, sampling, sampleError,
    onError, split, splitProblem, splitAdvice, suggestedCount, examplesSeen, importInput, importing, importError, imported, browseError,
    importProgress, importStopped, stoppingImport, importedAlready,
    inspect, setPath, chooseFormat, mapField, loadSample, runImport, stopImport, stepDone, next, back, browse, reset,
  }
})
