import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RunSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([])
  /** False until the first answer, so views can tell "no runs" from "not asked yet". */
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      runs.value = await api.runsList({})
      loaded.value = true
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'runsList')
    } finally {
      loading.value = false
    }
  }

  return { runs, loaded, loading, loadError, load }
})
