import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ExportFormat, RunExport } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

/** The Export dialog: a run's adapter written as native, PEFT, ONNX or merged into a folder. */
export const useRunExportStore = defineStore('run-export', () => {
  const format = ref<ExportFormat>('native')
  const out = ref('')
  const overwrite = ref(false)
  const exporting = ref(false)
  const result = ref<RunExport | null>(null)
  const error = ref<ApiCallError | null>(null)

  /** A fresh dialog for a run: the last format stays, the destination and result do not. */
  function prepare(suggestedOut: string): void {
    out.value = suggestedOut
    overwrite.value = false
    result.value = null
    error.value = null
  }

  async function run(runId: string): Promise<RunExport | null> {
    exporting.value = true
    error.value = null
    result.value = null
    try {
      result.value = await api.runsExport({ runId, format: format.value, out: out.value.trim(), overwrite: overwrite.value })
      return result.value
    } catch (caught) {
      error.value = toApiCallError(caught, 'runsExport')
      return null
    } finally {
      exporting.value = false
    }
  }

  return { format, out, overwrite, exporting, result, error, prepare, run }
})
