import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { HubCachedModel, HubCuratedModel, HubDownloadResult, HubModelDetail, HubModelSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { newestRead } from './newest-read'
import { useModelsStore } from './models'
import { useStoppableJob } from './stoppable-job'

/**
 * The Models page's "Download from the Hub" tab: the curated first-run list, search, a model's
 * files before its download, the download itself (a `hub-download` job: bytes, rate, ETA, Stop),
 * and the models already in the HF cache, registered in one click.
 */
export const useHubModelsStore = defineStore('hub-models', () => {
  const curated = ref<HubCuratedModel[]>([])
  const curatedLoaded = ref(false)
  const curatedError = ref<ApiCallError | null>(null)

  /** The query whose results are shown; empty shows the curated list. */
  const query = ref('')
  const results = ref<HubModelSummary[]>([])
  const searching = ref(false)
  const searchError = ref<ApiCallError | null>(null)
  const searchReads = newestRead()

  const selectedRepo = ref<string | null>(null)
  const detail = ref<HubModelDetail | null>(null)
  const detailLoading = ref(false)
  const detailError = ref<ApiCallError | null>(null)
  const detailReads = newestRead()

  const cached = ref<HubCachedModel[]>([])
  const cachedError = ref<ApiCallError | null>(null)
  /** The cached model being registered, by its folder. */
  const registering = ref<string | null>(null)
  const registerError = ref<ApiCallError | null>(null)

  const download = useStoppableJob('hub-download', 'hubDownload')
  /** The repo being downloaded (the call answers only once its job ends). */
  const downloadingRepo = ref<string | null>(null)
  const downloaded = ref<Extract<HubDownloadResult, { kind: 'model' }> | null>(null)
  const transfer = computed(() => download.progress.value?.transfer ?? null)

  async function loadCurated(): Promise<void> {
    try {
      curated.value = await api.hubCuratedModels({})
      curatedError.value = null
    } catch (error) {
      curatedError.value = toApiCallError(error, 'hubCuratedModels')
    } finally {
      curatedLoaded.value = true
    }
  }

  /** Searches the Hub; an empty query goes back to the curated list. Answers out of order are dropped. */
  async function search(text: string): Promise<void> {
    const wanted = text.trim()
    query.value = wanted
    const ticket = searchReads.start()
    if (!wanted) {
      searchReads.show(ticket)
      results.value = []
      searchError.value = null
      searching.value = false
      return
    }
    searching.value = true
    try {
      const found = await api.hubSearchModels({ query: wanted })
      if (searchReads.show(ticket)) {
        results.value = found
        searchError.value = null
      }
    } catch (error) {
      if (searchReads.show(ticket)) {
        results.value = []
        searchError.value = toApiCallError(error, 'hubSearchModels')
      }
    } finally {
      if (searchReads.isLast(ticket)) searching.value = false
    }
  }

  /** Shows a model's files and their total before its download. */
  async function select(repo: string): Promise<void> {
    selectedRepo.value = repo
    detail.value = null
    detailError.value = null
    detailLoading.value = true
    const ticket = detailReads.start()
    try {
      const found = await api.hubModelInfo({ repo })
      if (detailReads.show(ticket)) detail.value = found
    } catch (error) {
      if (detailReads.show(ticket)) detailError.value = toApiCallError(error, 'hubModelInfo')
    } finally {
      if (detailReads.isLast(ticket)) detailLoading.value = false
    }
  }

  function closeDetail(): void {
    detailReads.show(detailReads.start())
    selectedRepo.value = null
    detail.value = null
    detailError.value = null
    detailLoading.value = false
  }

  /** Downloads the model and registers it; the Models list is read again once it is. */
  async function downloadModel(repo: string, revision?: string): Promise<HubDownloadResult | null> {
    downloadingRepo.value = repo
    downloaded.value = null
    try {
      const result = await download.track(() => api.hubDownload({ kind: 'model', repo, ...(revision ? { revision } : {}) }))
      if (result?.kind === 'model') {
        downloaded.value = result
        await Promise.all([useModelsStore().load(), loadCached()])
      }
      return result
    } finally {
      downloadingRepo.value = null
    }
  }

  async function loadCached(): Promise<void> {
    try {
      cached.value = await api.hubCachedModels({})
      cachedError.value = null
    } catch (error) {
      cachedError.value = toApiCallError(error, 'hubCachedModels')
    }
  }

  /** Registers a model found in the HF cache, as a folder added by hand is (modelsImport checks it). */
  async function register(model: HubCachedModel): Promise<boolean> {
    registering.value = model.path
    registerError.value = null
    try {
      const detail = await useModelsStore().importFolder(model.path, model.repo)
      if (!detail) {
        registerError.value = useModelsStore().importError
        return false
      }
      await loadCached()
      return true
    } finally {
      registering.value = null
    }
  }

  return {
    curated, curatedLoaded, curatedError, query, results, searching, searchError,
    selectedRepo, detail, detailLoading, detailError, cached, cachedError, registering, registerError,
    downloadingRepo, downloaded, transfer,
    downloading: download.running, downloadError: download.error, downloadStopped: download.stopped, downloadStopping: download.stopping, downloadProgress: download.progress,
    loadCurated, search, select, closeDetail, downloadModel, stopDownload: download.stop, loadCached, register,
  }
})
