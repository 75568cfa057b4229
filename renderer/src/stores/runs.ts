import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RunStatus, RunSummary } from '../../../main/contract'
import { api, onEventsReconnected, toApiCallError, type ApiCallError } from '../api'
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

  /** What the user's Refresh does: every figure is read again, even those taken as final. */
  async function refresh(): Promise<void> {
    finalReads.clear()
    await load()
  }

  /**
   * Run id → the finished state its best was read in. A finished run's curve cannot change, so
   * its best is not read again while it stays in that state; a resumed run leaves it (its status
   * and then its finishing time change), and so is read again.
   */
  const finalReads = new Map<string, string>()
  const finishedState = (run: RunSummary) => `${run.status} ${run.finishedAt ?? ''}`

  /** Reads each run's eval curve for the "best eval loss" column, a few runs at a time. */
  async function loadBestEvalLosses(): Promise<void> {
    const pending = runs.value.filter((run) => isTraining(run.status) || finalReads.get(run.id) !== finishedState(run))
    for (let i = 0; i < pending.length; i += EVAL_READS_AT_ONCE) {
      await Promise.all(pending.slice(i, i + EVAL_READS_AT_ONCE).map((run) => readBestEvalLoss(run.id, isTraining(run.status) ? null : finishedState(run))))
    }
  }

  /** Per run: an eval event and a list load can read the same curve at once. */
  const bestReads = new Map<string, ReturnType<typeof newestRead>>()
  async function readBestEvalLoss(runId: string, finalAs: string | null): Promise<void> {
    const order = bestReads.get(runId) ?? newestRead()
    bestReads.set(runId, order)
    const read = order.start()
    try {
      const metrics = await api.runsMetrics({ runId, names: ['eval_loss'] })
      if (!order.show(read)) return
      bestEvalLoss.value[runId] = lowest(metrics.series.eval_loss)
      if (finalAs === null) finalReads.delete(runId)
      else finalReads.set(runId, finalAs)
    } catch {
      // A run deleted meanwhile (or unreadable) just shows no figure.
    }
  }

  /** Deletes a run that is not training (its record, curves and folder). */
  async function remove(runId: string): Promise<boolean> {
    try {
      await api.runsDelete({ runId })
      runs.value = runs.value.filter((run) => run.id !== runId)
      delete bestEvalLoss.value[runId]
      finalReads.delete(runId)
      deleteError.value = null
      return true
    } catch (error) {
      deleteError.value = toApiCallError(error, 'runsDelete')
      return false
    }
  }

  let unsubscribe: (() => void) | null = null

  /**
   * While a view shows the list: a run's status change (started, finished) re-reads the list, a
   * new validation loss re-reads that run's best (it is stored before the event is sent), and a
   * reconnected event stream re-reads everything it may have missed.
   */
  function listen(): void {
    if (unsubscribe) return
    const stopRunEvents = api.onRunEvent((event) => {
      if (event.type === 'status') void load()
      else if (event.type === 'eval' && event.loss !== null && runs.value.some((run) => run.id === event.runId)) void readBestEvalLoss(event.runId, null)
    })
    const stopReconnect = onEventsReconnected(() => void load())
    unsubscribe = () => {
      stopRunEvents()
      stopReconnect()
    }
  }

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  return { runs, loaded, loading, loadError, bestEvalLoss, deleteError, load, refresh, loadBestEvalLosses, remove, listen, stopListening }
})

/** A run whose curves may still grow. */
function isTraining(status: RunStatus): boolean {
  return status === 'running' || status === 'starting'
}
