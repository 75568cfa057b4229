import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ExportFormat, RunExport } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'

/** The Export dialog: a run's adapter written as native, PEFT, ONNX or merged into a folder. */
export const useRunExportStore = defineStore('run-export', () => {
  const format = ref<ExportFormat>('native')
  const out = ref('')
  const overwrite = ref(false)
  const exporting = ref(false)
  const result = ref<RunExport | null>(null)
  const error = ref<ApiCallError | null>(null)
  /** The user stopped the last export (the destination was left as it was; not an error). */
  const stopped = ref(false)
  const stopping = ref(false)

  // The export runs as a job process; its progress events say which step it is on.
  const jobs = useJobsStore()
  const job = computed(() => (exporting.value ? (jobs.all.find((j) => j.kind === 'export' && j.state === 'running') ?? null) : null))
  const progress = computed(() => job.value?.progress ?? null)

  /** A fresh dialog for a run: the last format stays, the destination and result do not. */
  function prepare(suggestedOut: string): void {
    out.value = suggestedOut
    overwrite.value = false
    result.value = null
    error.value = null
    stopped.value = false
  }

  async function run(runId: string): Promise<RunExport | null> {
    jobs.listen()
    exporting.value = true
    error.value = null
    result.value = null
    stopped.value = false
    try {
      result.value = await api.runsExport({ runId, format: format.value, out: out.value.trim(), overwrite: overwrite.value })
      return result.value
    } catch (caught) {
      if (stopping.value) stopped.value = true
      else error.value = toApiCallError(caught, 'runsExport')
      return null
    } finally {
      exporting.value = false
      stopping.value = false
    }
  }

  /** Stops the export under way: its process ends before the folder is put in place. */
  async function stop(): Promise<void> {
    const running = job.value
    if (!running || stopping.value) return
    stopping.value = true
    try {
      await jobs.cancel(running.id)
    } catch (caught) {
      stopping.value = false
      error.value = toApiCallError(caught, 'jobsCancel')
    }
  }

  return { format, out, overwrite, exporting, result, error, stopped, stopping, progress, prepare, run, stop }
})
