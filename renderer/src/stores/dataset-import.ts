import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DatasetDetail } from '../../../main/contract'
import type { ImportInput, WizardStep } from './dataset-import-input'
import { useFileScan } from './dataset-import/file-scan'
import { useImportJob } from './dataset-import/import-job'
import { useImportedAlready } from './dataset-import/imported-already'
import { useRenderedSample } from './dataset-import/rendered-sample'
import { useSplitChoice } from './dataset-import/split-choice'
import { stepDone as stepDoneWith, useWizardSteps } from './dataset-import/wizard-steps'

export { SCAN_ROWS } from './dataset-import/file-scan'
export { SAMPLE_ROWS } from './dataset-import/rendered-sample'

/**
 * The import wizard: a file, its format and column mapping (re-previewed on every change),
 * the bad rows among the first ones, the rendered examples, the split, then the import. Each part
 * is a composable of its own (./dataset-import/); this store ties them together: a new file or
 * new rows drop the rendered examples, and the import takes exactly what was previewed.
 */
export const useDatasetImportStore = defineStore('dataset-import', () => {
  const sample = useRenderedSample(() => file.previewSpec())
  const file = useFileScan(() => sample.forget())
  const already = useImportedAlready()
  const splitChoice = useSplitChoice(file.examplesSeen)
  const importJob = useImportJob()
  const steps = useWizardSteps(() => stepFacts())
  const name = ref('')
  const onError = ref<'skip' | 'stop'>('stop')

  /** The import exactly as previewed: the format and the resolved mapping the user saw. */
  const importInput = computed<ImportInput | null>(() => {
    const scan = file.scan.value
    const validation = splitChoice.validation.value
    if (!file.mappingReady.value || !scan?.format || typeof validation === 'string') return null
    return {
      path: file.path.value.trim(),
      ...(name.value.trim() ? { name: name.value.trim() } : {}),
      format: scan.format,
      mapping: { ...scan.mapping },
      ...sample.renderOptions(),
      onError: onError.value,
      validation,
    }
  })

  function stepFacts() {
    return {
      fileRead: !!file.scan.value && file.scanError.value === null,
      mappingReady: file.mappingReady.value,
      sampleReady: sample.ready(),
      importReady: importInput.value !== null,
    }
  }

  /** A different file: what was chosen for the last one no longer applies. */
  function setPath(value: string): void {
    if (!file.setPath(value)) return
    already.clear()
    sample.forget()
  }

  /** Moves on when the current step is done (the file step reads the file first). */
  async function next(): Promise<void> {
    if (steps.step.value === 'file') {
      if (!(await file.inspect())) return
      await already.find(file.path.value)
    }
    if (steps.forward() && steps.step.value === 'preview' && !sample.sample.value) await sample.load()
  }

  async function runImport(): Promise<DatasetDetail | null> {
    const input = importInput.value
    return input ? importJob.run(input) : null
  }

  function reset(): void {
    file.clear()
    sample.clear()
    already.clear()
    steps.clear()
    splitChoice.clear()
    importJob.clear()
    name.value = ''
    onError.value = 'stop'
  }

  return {
    step: steps.step, path: file.path, name, format: file.format, mappingOverrides: file.mappingOverrides,
    scan: file.scan, scanning: file.scanning, scanError: file.scanError, problems: file.problems,
    scannedWholeFile: file.scannedWholeFile, mappingReady: file.mappingReady,
    modelPath: sample.modelPath, template: sample.template, trainOnPrompt: sample.trainOnPrompt, maxLength: sample.maxLength,
    systemPrompt: sample.systemPrompt, sample: sample.sample, sampling: sample.sampling, sampleError: sample.sampleError,
    onError, split: splitChoice.split, splitProblem: splitChoice.splitProblem, splitAdvice: splitChoice.splitAdvice,
    suggestedCount: splitChoice.suggestedCount, examplesSeen: file.examplesSeen, importInput,
    importing: importJob.importing, importError: importJob.importError, imported: importJob.imported,
    importProgress: importJob.importProgress, importStopped: importJob.importStopped, stoppingImport: importJob.stoppingImport,
    importedAlready: already.importedAlready,
    inspect: file.inspect, setPath, chooseFormat: file.chooseFormat, mapField: file.mapField, loadSample: sample.load,
    runImport, stopImport: importJob.stopImport, stepDone: (which: WizardStep) => stepDoneWith(which, stepFacts()),
    next, back: steps.back, reset,
  }
})
