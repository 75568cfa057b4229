import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { HubDatasetFile, HubDatasetFiles, HubDownloadResult } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { newestRead } from './newest-read'
import { useDatasetImportStore } from './dataset-import'
import { useStoppableJob } from './stoppable-job'

/** A split's files, in the order the repo names its splits (train first). */
export interface SplitFiles {
  split: string
  files: HubDatasetFile[]
}

const SPLIT_ORDER = ['train', 'validation', 'valid', 'dev', 'test']
const NO_SPLIT = '(no split named)'

/** Groups files by split, train, validation, test first, then the others by name. */
export function filesBySplit(files: readonly HubDatasetFile[]): SplitFiles[] {
  const groups = new Map<string, HubDatasetFile[]>()
  for (const file of files) {
    const split = file.split ?? NO_SPLIT
    groups.set(split, [...(groups.get(split) ?? []), file])
  }
  const rank = (split: string) => {
    const known = SPLIT_ORDER.indexOf(split)
    return known >= 0 ? known : split === NO_SPLIT ? SPLIT_ORDER.length + 1 : SPLIT_ORDER.length
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([split, grouped]) => ({ split, files: grouped.sort((x, y) => x.path.localeCompare(y.path)) }))
}

/**
 * The Datasets page's "Download from the Hub" tab: a dataset repo's data files by split, one of
 * them downloaded into the HF cache (a `hub-download` job), then handed to the import wizard.
 */
export const useHubDatasetsStore = defineStore('hub-datasets', () => {
  const repo = ref('')
  const listing = ref<HubDatasetFiles | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  const reads = newestRead()
  /** The file to download and import (a path in the repo). */
  const chosen = ref<string | null>(null)

  const download = useStoppableJob('hub-download', 'hubDownload')
  const transfer = computed(() => download.progress.value?.transfer ?? null)
  const splits = computed(() => filesBySplit(listing.value?.files ?? []))

  /** Lists a repo's data files; the first training file is chosen. */
  async function browse(text: string): Promise<void> {
    const wanted = text.trim()
    repo.value = wanted
    listing.value = null
    chosen.value = null
    loadError.value = null
    if (!wanted) return
    loading.value = true
    const ticket = reads.start()
    try {
      const found = await api.hubDatasetFiles({ repo: wanted })
      if (!reads.show(ticket)) return
      listing.value = found
      chosen.value = filesBySplit(found.files)[0]?.files[0]?.path ?? null
    } catch (error) {
      if (reads.show(ticket)) loadError.value = toApiCallError(error, 'hubDatasetFiles')
    } finally {
      if (reads.isLast(ticket)) loading.value = false
    }
  }

  /**
   * Downloads the chosen file and fills the import wizard with its local path (named after the
   * repo and split); the page then opens the wizard. Null when it failed or was stopped.
   */
  async function downloadChosen(): Promise<string | null> {
    const found = listing.value
    const file = chosen.value
    if (!found || !file) return null
    const result: HubDownloadResult | null = await download.track(() => api.hubDownload({ kind: 'dataset', repo: found.repo, revision: found.revision, files: [file] }))
    if (result?.kind !== 'dataset' || !result.files[0]) return null
    const local = result.files[0]
    const wizard = useDatasetImportStore()
    wizard.reset()
    wizard.setPath(local.localPath)
    wizard.name = local.split ? `${found.repo.split('/').pop()}-${local.split}` : (found.repo.split('/').pop() ?? found.repo)
    return local.localPath
  }

  return {
    repo, listing, loading, loadError, chosen, splits, transfer,
    downloading: download.running, downloadError: download.error, downloadStopped: download.stopped, downloadStopping: download.stopping, downloadProgress: download.progress,
    browse, downloadChosen, stopDownload: download.stop,
  }
})
