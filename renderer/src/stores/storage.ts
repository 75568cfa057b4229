import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { StorageCopiesDeleted, StorageDeleteCopiesInput, StorageHubRepoDeleted, StorageReport } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

/** The System page's Storage card: the data folder's report, and deletions of quantized copies. */
export const useStorageStore = defineStore('storage', () => {
  const report = ref<StorageReport | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  const deleting = ref(false)
  const deleteError = ref<ApiCallError | null>(null)
  /** What the last deletion did: the copies it deleted and those it kept, with why. */
  const lastDeleted = ref<StorageCopiesDeleted | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      report.value = await api.storageShow({})
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'storageShow')
    } finally {
      loading.value = false
    }
  }

  /** Deletes the named copies, or every unused one, then reads the report again. */
  async function deleteCopies(dirs: StorageDeleteCopiesInput['dirs']): Promise<void> {
    deleting.value = true
    deleteError.value = null
    try {
      lastDeleted.value = await api.storageDeleteCopies({ dirs })
    } catch (error) {
      deleteError.value = toApiCallError(error, 'storageDeleteCopies')
    } finally {
      deleting.value = false
    }
    await load()
  }

  /** What the last deletion from the Hugging Face cache freed, or why it was refused. */
  const lastHubDeleted = ref<StorageHubRepoDeleted | null>(null)
  const hubDeleteError = ref<ApiCallError | null>(null)

  /** Deletes a repo's folder from the Hugging Face cache (the service refuses one in use, saying why), then reads the report again. */
  async function deleteHubRepo(folder: string): Promise<void> {
    deleting.value = true
    hubDeleteError.value = null
    lastHubDeleted.value = null
    try {
      lastHubDeleted.value = await api.storageDeleteHubRepo({ folder })
    } catch (error) {
      hubDeleteError.value = toApiCallError(error, 'storageDeleteHubRepo')
    } finally {
      deleting.value = false
    }
    await load()
  }

  /** Forgets what the last deletions said (a Refresh by hand shows the folder as it is). */
  function clearNotices(): void {
    lastDeleted.value = null
    lastHubDeleted.value = null
    deleteError.value = null
    hubDeleteError.value = null
  }

  return { report, loading, loadError, deleting, deleteError, lastDeleted, lastHubDeleted, hubDeleteError, load, deleteCopies, deleteHubRepo, clearNotices }
})
