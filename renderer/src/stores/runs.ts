import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RunSummary } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { lowest } from '../runs/series'
import { newestRead } from './newest-read'

/** Runs whose eval curves are read at once when the list loads. */
const EVAL_READS_AT_ONCE = 6

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([])
  /** False until the first answer, so views can tell "no runs" from "not asked yet". */
  const loaded = ref(false)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  /** Run id → its lowest eval loss (null: never evaluated); absent until read. */
  const bestEvalLoss = ref<Record<string, number | null>>({})
  const deleteError = ref<ApiCallError | null>(null)

  /** Each status event starts a read; a run's start and end can come close together. */
  const reads = newestRead()
  async function load(): Promise<void> {
    const read = reads.start()
    loading.value = true
    try {
      const listed = await api.runsList({})
      // An older list answering late would show a finished run as still running.
      if (!reads.show(read)) return
      runs.value = listed
      loaded.value = true
      loadError.value = null
    } catch (error) {
      if (reads.isLast(read)) loadError.value = toApiCallError(error, 'runsList')
    } finally {
      if (reads.isLast(read)) loading.value = false
    }
    await loadBestEvalLosses()
  }

  /**
   * Reads each run's eval curve for the "best eval loss" column, a few runs at a time. A
   * finished run's best never changes, so it is read once; active runs are read every time.
   */
  async function loadBestEvalLosses(): Promise<void> {
    const pending = runs.value.filter((run) => !(run.id in bestEvalLoss.value) || run.status === 'running' || run.status === 'starting')
    for (let i = 0; i < pending.length; i += EVAL_READS_AT_ONCE) {
      await Promise.all(
        pending.slice(i, i + EVAL_READS_AT_ONCE).map(async (run) => {
          try {
            const metrics = await api.runsMetrics({ runId: run.id, names: ['eval_loss'] })
            bestEvalLoss.value[run.id] = lowest(metrics.series.eval_loss)
          } catch {
            // A run deleted meanwhile (or unreadable) just shows no figure.
          }
        }),
      )
    }
  }

  /** Deletes a run that is not training (its record, curves and folder). */
  async function remove(runId: string): Promise<boolean> {
    try {
      await api.runsDelete({ runId })
      runs.value = runs.value.filter((run) => run.id !== runId)
      delete bestEvalLoss.value[runId]
      deleteError.value = null
      return true
    } catch (error) {
      deleteError.value = toApiCallError(error, 'runsDelete')
      return false
    }
  }

  let unsubscribe: (() => void) | null = null

  /** Re-reads the list when any run changes status (started, finished), while a view shows it. */
  function listen(): void {
    if (unsubscribe) return
    unsubscribe = api.onRunEvent((event) => {
      if (event.type === 'status') void load()
    })
  }

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { runs, loaded, loading, loadError, bestEvalLoss, deleteError, load, loadBestEvalLosses, remove, listen, stopListening }
})
