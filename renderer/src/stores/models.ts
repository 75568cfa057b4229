import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ModelDetail, ModelRemoved, ModelSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

export const useModelsStore = defineStore('models', () => {
  const models = ref<ModelSummary[]>([])
  /** False until the first answer, so views can tell "no models" from "not asked yet". */
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)

  const details = ref<Record<string, ModelDetail>>({})
  const detailError = ref<ApiCallError | null>(null)

  const importing = ref(false)
  const importError = ref<ApiCallError | null>(null)
  const removeError = ref<ApiCallError | null>(null)
  /** What the last removal did: the copies it deleted, and those it could not. */
  const lastRemoved = ref<ModelRemoved | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      models.value = await api.modelsList({})
      loaded.value = true
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'modelsList')
    } finally {
      loading.value = false
    }
  }

  async function loadDetail(id: string): Promise<ModelDetail | null> {
    try {
      const detail = await api.modelsShow({ id })
      details.value[id] = detail
      detailError.value = null
      return detail
    } catch (error) {
      detailError.value = toApiCallError(error, 'modelsShow')
      return null
    }
  }

  /** Registers a model folder; the server checks it and refuses one that cannot be trained on. */
  async function importFolder(path: string, name?: string): Promise<ModelDetail | null> {
    importing.value = true
    importError.value = null
    try {
      const detail = await api.modelsImport({ path: path.trim(), ...(name?.trim() ? { name: name.trim() } : {}) })
      details.value[detail.id] = detail
      await load()
      return detail
    } catch (error) {
      importError.value = toApiCallError(error, 'modelsImport')
      return null
    } finally {
      importing.value = false
    }
  }

  /** Forgets a model (its folder stays on disk; the quantized copies the app made of it are deleted). */
  async function remove(id: string): Promise<boolean> {
    try {
      lastRemoved.value = await api.modelsRemove({ id })
      models.value = models.value.filter((model) => model.id !== id)
      delete details.value[id]
      removeError.value = null
      return true
    } catch (error) {
      removeError.value = toApiCallError(error, 'modelsRemove')
      return false
    }
  }

  return { models, loaded, loading, loadError, details, detailError, importing, importError, removeError, lastRemoved, load, loadDetail, importFolder, remove }
})
