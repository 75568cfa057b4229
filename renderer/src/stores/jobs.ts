import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { JobEvent, JobInfo, JobKind, JobState, TransferProgress } from '../../../main/contract'
import { api, onEventsReconnected, toApiCallError, type ApiCallError } from '../api'

export interface JobLogLine {
  level: 'info' | 'warn' | 'error'
  message: string
}

/** A job as the renderer knows it: the server's JobInfo plus what its events said. */
export interface TrackedJob {
  id: string
  /** Null only while events arrived before the start call answered. */
  kind: JobKind | null
  state: JobState
  startedAt: string | null
  endedAt: string | null
  error: string | null
  result: unknown
  hasResult: boolean
  pid: number | null
  /** `transfer`: a download's file, bytes, rate and ETA (hub-download jobs). */
  progress: { done: number; total: number; label: string; transfer?: TransferProgress } | null
  logs: JobLogLine[]
  /** Last stderr lines of a process that died unexpectedly. */
  lastWords: string | null
}

/** Keeps the newest lines only: a chatty job must not grow the page without bound. */
const maxLogLines = 500

export function isFinished(state: JobState): boolean {
  return state !== 'running'
}

function emptyJob(id: string): TrackedJob {
  return {
    id, kind: null, state: 'running', startedAt: null, endedAt: null, error: null,
    result: undefined, hasResult: false, pid: null, progress: null, logs: [], lastWords: null,
  }
}

export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<string, TrackedJob>>({})
  const lastError = ref<ApiCallError | null>(null)
  let unsubscribe: (() => void) | null = null

  const all = computed(() =>
    Object.values(byId.value).sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '')))

  function track(id: string): TrackedJob {
    // Read back through the reactive record, so later mutations are seen by views.
    if (!byId.value[id]) byId.value[id] = emptyJob(id)
    return byId.value[id]
  }

  /**
   * Merges what the server reports. Over WebSocket the `ended` event can overtake the
   * start call's answer, so a finished job is never set back to running.
   */
  function applyInfo(info: JobInfo): TrackedJob {
    const job = track(info.id)
    const keepFinished = isFinished(job.state) && !isFinished(info.state)
    job.kind = info.kind
    job.startedAt = info.startedAt
    if (!keepFinished) {
      job.state = info.state
      job.endedAt = info.endedAt
      job.error = info.error
    }
    if (info.result !== undefined) {
      job.result = info.result
      job.hasResult = true
    }
    return job
  }

  function applyEvent(event: JobEvent): void {
    const job = track(event.jobId)
    switch (event.type) {
      case 'started':
        job.kind = event.kind
        job.pid = event.pid
        break
      case 'log':
        job.logs.push({ level: event.level, message: event.message })
        if (job.logs.length > maxLogLines) job.logs.splice(0, job.logs.length - maxLogLines)
        break
      case 'progress':
        job.progress = { done: event.done, total: event.total, label: event.label, ...(event.transfer ? { transfer: event.transfer } : {}) }
        break
      case 'result':
        job.result = event.data
        job.hasResult = true
        break
      case 'ended':
        job.state = event.state
        job.error = event.error
        job.lastWords = event.lastWords
        job.endedAt ??= new Date().toISOString()
        break
      default: {
        const unknownEvent: never = event
        console.warn('Ignored an unknown job event', unknownEvent)
      }
    }
  }

  /** Starts listening to job events; safe to call from every view that shows jobs. */
  function listen(): void {
    if (unsubscribe) return
    const stopEvents = api.onJobEvent(applyEvent)
    const stopReconnect = onEventsReconnected(() => void refresh())
    unsubscribe = () => {
      stopEvents()
      stopReconnect()
    }
  }

  function stopListening(): void {
    unsubscribe?.()
    unsubscribe = null
  }

  async function refresh(): Promise<void> {
    try {
      const jobs = await api.jobsList({})
      jobs.forEach(applyInfo)
      lastError.value = null
    } catch (error) {
      lastError.value = toApiCallError(error, 'jobsList')
    }
  }

  /** Starts a job and returns it as tracked; throws ApiCallError when the server refuses. */
  async function start(kind: JobKind): Promise<TrackedJob> {
    listen()
    const info = await api.jobsStart({ kind })
    return applyInfo(info)
  }

  async function cancel(jobId: string): Promise<void> {
    applyInfo(await api.jobsCancel({ jobId }))
  }

  /** Tracks a job another call started (systemInstallCuda answers with its job); listens first. */
  function adopt(info: JobInfo): TrackedJob {
    listen()
    return applyInfo(info)
  }

  return { byId, all, lastError, listen, stopListening, refresh, start, cancel, adopt }
})
