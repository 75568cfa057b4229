import { computed, ref } from 'vue'
import type { CallName, JobKind } from '../../../main/contract'
import { toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'

/**
 * A service call that runs as a job process of `kind` (an import, an export, a generation), which
 * the user may stop. Its progress events say how far it got; stopping it ends the process, and the
 * call's failure that follows is reported as `stopped`, not as an error. Called inside a store's
 * setup; the store exposes the refs under its own names.
 */
export function useStoppableJob(kind: JobKind, callName: CallName) {
  const jobs = useJobsStore()
  const running = ref(false)
  const error = ref<ApiCallError | null>(null)
  /** The user stopped the last call (not an error). */
  const stopped = ref(false)
  const stopping = ref(false)

  // The call answers only when its job ends, so the running job of this kind is the call's own.
  const job = computed(() => (running.value ? (jobs.all.find((j) => j.kind === kind && j.state === 'running') ?? null) : null))
  const progress = computed(() => job.value?.progress ?? null)

  /** Runs the call; its answer, or null when it failed (`error`) or was stopped (`stopped`). */
  async function track<T>(call: () => Promise<T>): Promise<T | null> {
    // Progress arrives as job events: listen before the job can start.
    jobs.listen()
    running.value = true
    error.value = null
    stopped.value = false
    try {
      return await call()
    } catch (caught) {
      if (stopping.value) stopped.value = true
      else error.value = toApiCallError(caught, callName)
      return null
    } finally {
      running.value = false
      stopping.value = false
    }
  }

  /** Ends the job under way; the call then fails and `track` says it stopped. */
  async function stop(): Promise<void> {
    const current = job.value
    if (!current || stopping.value) return
    stopping.value = true
    try {
      await jobs.cancel(current.id)
    } catch (caught) {
      // The job goes on (or already ended): the call will answer for itself.
      stopping.value = false
      error.value = toApiCallError(caught, 'jobsCancel')
    }
  }

  return { running, error, stopped, stopping, job, progress, track, stop }
}
