import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { ExportFormat, RunExport } from '../../../main/contract'
import { api } from '../api'
import { useStoppableJob } from './stoppable-job'

/** The Export dialog: a run's adapter written as native, PEFT, ONNX or merged into a folder, or the run as a cluster job (torchrun). */
export const useRunExportStore = defineStore('run-export', () => {
  const format = ref<ExportFormat>('native')
  const out = ref('')
  const overwrite = ref(false)
  /** Which of the run's adapters: the checkpoint it marked best (its last adapter when none), or its last adapter. */
  const checkpoint = ref<'best' | 'last'>('best')
  const result = ref<RunExport | null>(null)

  // The export runs as a job process; its progress events say which step it is on. Cancel ends it
  // before the folder is put in place (the destination is left as it was: `stopped`, not an error).
  const exportJob = useStoppableJob('export', 'runsExport')
  const { running: exporting, error, stopped, stopping, progress, stop } = exportJob

  /** The run the dialog is open for, and the destination last suggested for it (the field shows it until the user types). */
  let dialogRun: string | null = null
  const suggested = ref<string | null>(null)
  let suggestionsAsked = 0

  /**
   * A fresh dialog for a run: the last format stays, the destination and result do not. The
   * destination suggested is a folder that does not exist yet, outside the data folder
   * (runsSuggestExportFolder): exporting there replaces nothing; reopening suggests a fresh one.
   */
  async function prepare(forRun: string, firstCheckpoint: 'best' | 'last' = 'best'): Promise<void> {
    dialogRun = forRun
    out.value = ''
    suggested.value = null
    overwrite.value = false
    checkpoint.value = firstCheckpoint
    result.value = null
    error.value = null
    stopped.value = false
    await suggest()
  }

  /** Asks for a destination for the run and format; a late answer, or one after the user typed, is dropped. */
  async function suggest(): Promise<void> {
    if (dialogRun === null) return
    const asked = ++suggestionsAsked
    const shown = out.value
    try {
      const { path } = await api.runsSuggestExportFolder({ runId: dialogRun, format: format.value })
      if (asked !== suggestionsAsked || out.value !== shown) return
      out.value = path
      suggested.value = path
    } catch {
      // No suggestion (the run is gone, the server unreachable): the field stays empty for the user to fill.
    }
  }

  // The suggested name carries the format: a new format gets its own folder, unless the user chose one.
  watch(format, () => {
    if (!exporting.value && out.value === (suggested.value ?? '')) void suggest()
  })

  async function run(runId: string): Promise<RunExport | null> {
    result.value = null
    return exportJob.track(async () => {
      // A cluster job trains the run again from its configuration: no adapter of the run to pick.
      const adapter = format.value === 'torchrun' ? {} : { checkpoint: checkpoint.value }
      result.value = await api.runsExport({ runId, format: format.value, out: out.value.trim(), overwrite: overwrite.value, ...adapter })
      return result.value
    })
  }

  return { format, out, overwrite, checkpoint, exporting, result, error, stopped, stopping, progress, suggested, prepare, run, stop }
})
