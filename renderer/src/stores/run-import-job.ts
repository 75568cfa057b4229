import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RunJobImported } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useRunsStore } from './runs'

/**
 * The Runs page's "Import cluster job…" dialog: a torchrun job folder (export --format torchrun)
 * that has trained elsewhere comes home as a run, as `runs import-job DIR` does. The call reads
 * the job's outputs and answers at once (no job process): a busy flag is enough.
 */
export const useRunImportJobStore = defineStore('run-import-job', () => {
  const runs = useRunsStore()
  const folder = ref('')
  /** train.py's --out, when it was not the job's own out/ (empty: <folder>/out). */
  const out = ref('')
  /** Empty: the exported run's name, with "(cluster job)". */
  const name = ref('')
  const importing = ref(false)
  const result = ref<RunJobImported | null>(null)
  const error = ref<ApiCallError | null>(null)

  /** A fresh dialog: the fields of the last import are not offered again (a job is imported once). */
  function prepare(): void {
    if (importing.value) return
    folder.value = ''
    out.value = ''
    name.value = ''
    result.value = null
    error.value = null
  }

  /** Imports the job; the run it became, or null when refused (`error`, the fields kept to correct). */
  async function run(): Promise<RunJobImported | null> {
    importing.value = true
    result.value = null
    error.value = null
    // Optional fields go only when given: the service fills in their defaults.
    const typedOut = out.value.trim()
    const typedName = name.value.trim()
    try {
      result.value = await api.runsImportJob({ folder: folder.value.trim(), ...(typedOut ? { out: typedOut } : {}), ...(typedName ? { name: typedName } : {}) })
      // The new run belongs in the list behind the dialog (no status event announces an imported run).
      void runs.load()
      return result.value
    } catch (caught) {
      error.value = toApiCallError(caught, 'runsImportJob')
      return null
    } finally {
      importing.value = false
    }
  }

  return { folder, out, name, importing, result, error, prepare, run }
})
