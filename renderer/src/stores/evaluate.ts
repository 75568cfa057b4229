import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CheckpointPick, EvaluationDetail, EvaluationSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'
import { newestRead } from './newest-read'

/** A set given as a file (typed or picked), named for its row. */
export interface FilePick {
  name: string
  file: string
}

/** A task's default name: the file's or dataset's name without its extension. */
export function taskName(fileOrName: string): string {
  const base = fileOrName.split(/[\\/]/).at(-1) ?? fileOrName
  return base.replace(/\.(jsonl|json|csv|tsv|parquet|txt)$/i, '') || base
}

/** How often a running evaluation's table is read again: cells land as each finishes. */
export const RUNNING_REFRESH_MS = 1000

/**
 * The Evaluate page: the form (model, runs of it at best or last, base, sets), the saved
 * evaluations, and the one shown, read again while it scores.
 */
export const useEvaluateStore = defineStore('evaluate', () => {
  const jobs = useJobsStore()

  // The form.
  const modelId = ref<string | null>(null)
  /** Run id → the checkpoint its column scores; a run not in here is not picked. */
  const runPicks = ref<Record<string, CheckpointPick>>({})
  const includeBase = ref(true)
  /** Registered multiple-choice datasets picked as sets, in the order picked. */
  const datasetIds = ref<string[]>([])
  const files = ref<FilePick[]>([])
  const lengthNormalize = ref(false)
  const name = ref('')

  const list = ref<EvaluationSummary[]>([])
  const listError = ref<ApiCallError | null>(null)
  const detail = ref<EvaluationDetail | null>(null)
  const detailError = ref<ApiCallError | null>(null)
  const createError = ref<ApiCallError | null>(null)
  const creating = ref(false)
  const stopping = ref(false)
  /** The job scoring the shown evaluation, when this page started it (else found by kind). */
  const jobId = ref<string | null>(null)

  const running = computed(() => detail.value?.status === 'running')
  const job = computed(() => {
    if (!running.value) return null
    return jobs.all.find((j) => j.id === jobId.value) ?? jobs.all.find((j) => j.kind === 'evaluate' && j.state === 'running') ?? null
  })
  const progress = computed(() => job.value?.progress ?? null)

  const listReads = newestRead()
  async function loadList(): Promise<void> {
    const read = listReads.start()
    try {
      const listed = await api.evaluationsList({})
      if (!listReads.show(read)) return
      list.value = listed
      listError.value = null
    } catch (error) {
      if (listReads.isLast(read)) listError.value = toApiCallError(error, 'evaluationsList')
    }
  }

  let timer: ReturnType<typeof setTimeout> | null = null
  const detailReads = newestRead()
  /** Shows an evaluation; while it runs, reads it again every RUNNING_REFRESH_MS. */
  async function show(id: string): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = null
    const read = detailReads.start()
    try {
      const shown = await api.evaluationsShow({ id })
      if (!detailReads.show(read)) return
      const wasRunning = detail.value?.id === id && detail.value.status === 'running'
      detail.value = shown
      detailError.value = null
      if (shown.status === 'running') {
        // Its job's progress comes as job events; one started before this page opened is found in the list.
        jobs.listen()
        if (!job.value) await jobs.refresh()
        timer = setTimeout(() => void show(id), RUNNING_REFRESH_MS)
      }
      else if (wasRunning) await loadList()
    } catch (error) {
      if (detailReads.isLast(read)) detailError.value = toApiCallError(error, 'evaluationsShow')
    }
  }

  function stopRefreshing(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  /** Creates the evaluation from the form; `datasetNames` names the picked datasets' rows. */
  async function create(datasetNames: Record<string, string>): Promise<void> {
    if (!modelId.value) return
    creating.value = true
    createError.value = null
    jobs.listen()
    try {
      const started = await api.evaluationsCreate({
        ...(name.value.trim() ? { name: name.value.trim() } : {}),
        model: modelId.value,
        runs: Object.entries(runPicks.value).map(([runId, checkpoint]) => ({ runId, checkpoint })),
        includeBase: includeBase.value,
        sets: [
          ...datasetIds.value.map((datasetId) => ({ name: taskName(datasetNames[datasetId] ?? datasetId), datasetId })),
          ...files.value.filter((f) => f.file.trim()).map((f) => ({ name: f.name.trim() || taskName(f.file.trim()), file: f.file.trim() })),
        ],
        lengthNormalize: lengthNormalize.value,
      })
      jobId.value = started.jobId
      await Promise.all([show(started.evaluation.id), loadList()])
    } catch (error) {
      createError.value = toApiCallError(error, 'evaluationsCreate')
    } finally {
      creating.value = false
    }
  }

  /** Stops the shown evaluation's job; the cells it finished stay. */
  async function stop(): Promise<void> {
    const current = job.value
    if (!current || stopping.value) return
    stopping.value = true
    try {
      await jobs.cancel(current.id)
    } catch (error) {
      detailError.value = toApiCallError(error, 'jobsCancel')
    } finally {
      stopping.value = false
    }
  }

  async function remove(id: string): Promise<void> {
    try {
      await api.evaluationsDelete({ id })
      if (detail.value?.id === id) {
        stopRefreshing()
        detail.value = null
      }
      await loadList()
    } catch (error) {
      listError.value = toApiCallError(error, 'evaluationsDelete')
    }
  }

  return {
    modelId, runPicks, includeBase, datasetIds, files, lengthNormalize, name,
    list, listError, detail, detailError, createError, creating, running, stopping, progress,
    loadList, show, stopRefreshing, create, stop, remove,
  }
})
