import { ref, type Ref } from 'vue'
import type { RunDetail, RunStatus } from '../../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../../api'

/** Cancel and Resume on the run shown: what the click is doing, and the server's refusal. */
export function useRunActions(runId: Readonly<Ref<string | null>>, detail: Ref<RunDetail | null>, onResumed: () => void) {
  const acting = ref<'cancel' | 'resume' | null>(null)
  const actionError = ref<ApiCallError | null>(null)

  async function act(kind: 'cancel' | 'resume'): Promise<void> {
    const id = runId.value
    if (!id) return
    acting.value = kind
    actionError.value = null
    let before: { status: RunStatus; error: string | null } | null = null
    try {
      if (kind === 'cancel') {
        const run = await api.runsCancel({ runId: id })
        if (detail.value) detail.value.run = run
      } else {
        // The page says "starting" from the click: the server answers once the job's process is
        // spawned, and until then the run looked stopped, with its old error, as if nothing happened.
        if (detail.value) before = { status: detail.value.run.status, error: detail.value.run.error }
        if (detail.value) detail.value.run = { ...detail.value.run, status: 'starting', error: null }
        const started = await api.runsResume({ runId: id })
        if (detail.value && id === runId.value) detail.value.run = started.run
        onResumed()
      }
    } catch (error) {
      // Refused: the run is as it was.
      if (before && detail.value && id === runId.value && detail.value.run.status === 'starting') detail.value.run = { ...detail.value.run, ...before }
      actionError.value = toApiCallError(error, kind === 'cancel' ? 'runsCancel' : 'runsResume')
    } finally {
      acting.value = null
    }
  }

  function clear(): void {
    actionError.value = null
  }

  return { acting, actionError, cancel: () => act('cancel'), resume: () => act('resume'), clear }
}
