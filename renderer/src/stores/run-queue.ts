import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { RunQueue } from '../../../main/contract'
import { api, onEventsReconnected, toApiCallError, type ApiCallError } from '../api'
import { newestRead } from './newest-read'

/** Expected start times move as the running run trains: read again this often while runs wait. */
const TIMES_REFRESH_MS = 15_000

/**
 * The run queue (runs waiting for their device) for the Runs page's Queue panel and a queued
 * run's page: read on open, on every run status change (a run queued, started, ended, moved,
 * cancelled) and every few seconds while anything waits.
 */
export const useRunQueueStore = defineStore('run-queue', () => {
  const queue = ref<RunQueue | null>(null)
  const loadError = ref<ApiCallError | null>(null)
  const actionError = ref<ApiCallError | null>(null)
  /** The run an action (move, cancel, start now) is on its way for. */
  const acting = ref<{ runId: string; action: 'up' | 'down' | 'cancel' | 'start-now' } | null>(null)
  const runs = computed(() => queue.value?.runs ?? [])

  const reads = newestRead()
  async function load(): Promise<void> {
    const read = reads.start()
    try {
      const answer = await api.runsQueue({})
      if (!reads.show(read)) return
      queue.value = answer
      loadError.value = null
    } catch (error) {
      if (reads.isLast(read)) loadError.value = toApiCallError(error, 'runsQueue')
    }
  }

  async function act(runId: string, action: 'up' | 'down' | 'cancel' | 'start-now'): Promise<boolean> {
    acting.value = { runId, action }
    actionError.value = null
    try {
      if (action === 'up' || action === 'down') {
        const read = reads.start()
        const answer = await api.runsQueueMove({ runId, direction: action })
        if (reads.show(read)) queue.value = answer
      } else {
        if (action === 'cancel') await api.runsCancel({ runId })
        else await api.runsStartNow({ runId })
        await load()
      }
      return true
    } catch (error) {
      actionError.value = toApiCallError(error, action === 'cancel' ? 'runsCancel' : action === 'start-now' ? 'runsStartNow' : 'runsQueueMove')
      return false
    } finally {
      acting.value = null
    }
  }

  let listeners = 0
  let stop: (() => void) | null = null

  /** While a view shows the queue; views may overlap (Runs page, Run page), so it counts them. */
  function listen(): void {
    listeners++
    if (stop) return
    const stopRunEvents = api.onRunEvent((event) => {
      if (event.type === 'status') void load()
    })
    const stopReconnect = onEventsReconnected(() => void load())
    const timer = setInterval(() => {
      if (runs.value.length) void load()
    }, TIMES_REFRESH_MS)
    stop = () => {
      stopRunEvents()
      stopReconnect()
      clearInterval(timer)
    }
  }

  function stopListening(): void {
    listeners = Math.max(0, listeners - 1)
    if (listeners > 0) return
    stop?.()
    stop = null
  }

  return {
    queue, runs, loadError, actionError, acting, load, listen, stopListening,
    moveUp: (runId: string) => act(runId, 'up'),
    moveDown: (runId: string) => act(runId, 'down'),
    cancel: (runId: string) => act(runId, 'cancel'),
    startNow: (runId: string) => act(runId, 'start-now'),
  }
})
