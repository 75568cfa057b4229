import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DatasetDetail, DatasetSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

export const useDatasetsStore = defineStore('datasets', () => {
  const datasets = ref<DatasetSummary[]>([])
  /** False until the first answer, so views can tell "no datasets" from "not asked yet". */
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)

  const details = ref<Record<string, DatasetDetail>>({})
  const detailLoading = ref(false)
  const detailError = ref<ApiCallError | null>(null)
  /** A rename or delete that was refused (shown on the dataset's page). */
  const changeError = ref<ApiCallError | null>(null)

  /** Dataset id → the dataset it is the separate validation file of. */
  const validationOf = computed(() => {
    const owners: Record<string, DatasetSummary> = {}
    for (const dataset of datasets.value) {
      if (dataset.validationDatasetId) owners[dataset.validationDatasetId] = dataset
    }
    return owners
  })

  async function load(): Promise<void> {
    loading.value = true
    try {
      datasets.value = await api.datasetsList({})
      loaded.value = true
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'datasetsList')
    } finally {
      loading.value = false
    }
  }

  async function loadDetail(id: string): Promise<DatasetDetail | null> {
    detailLoading.value = true
    try {
      const detail = await api.datasetsShow({ id })
      details.value[id] = detail
      detailError.value = null
      return detail
    } catch (error) {
      detailError.value = toApiCallError(error, 'datasetsShow')
      return null
    } finally {
      detailLoading.value = false
    }
  }

  /**
   * A fresh import: its details are known at once; the list is read again because a separate
   * validation file was imported beside it.
   */
  async function remember(detail: DatasetDetail): Promise<void> {
    details.value[detail.id] = detail
    await load()
  }

  async function rename(id: string, name: string): Promise<boolean> {
    try {
      const renamed = await api.datasetsRename({ id, name: name.trim() })
      datasets.value = datasets.value.map((dataset) => (dataset.id === id ? renamed : dataset))
      const detail = details.value[id]
      if (detail) details.value[id] = { ...detail, name: renamed.name }
      changeError.value = null
      return true
    } catch (error) {
      changeError.value = toApiCallError(error, 'datasetsRename')
      return false
    }
  }

  /** Forgets a dataset (and its separate validation file's import); the user's file stays on disk. */
  async function remove(id: string): Promise<boolean> {
    try {
      await api.datasetsDelete({ id })
      const validationId = details.value[id]?.validationDatasetId ?? datasets.value.find((dataset) => dataset.id === id)?.validationDatasetId
      datasets.value = datasets.value.filter((dataset) => dataset.id !== id && dataset.id !== validationId)
      delete details.value[id]
      if (validationId) delete details.value[validationId]
      changeError.value = null
      return true
    } catch (error) {
      changeError.value = toApiCallError(error, 'datasetsDelete')
      return false
    }
  }

  return {
    datasets, loaded, loading, loadError, details, detailLoading, detailError, changeError, validationOf,
    load, loadDetail, remember, rename, remove,
  }
})
