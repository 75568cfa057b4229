import { ref } from 'vue'
import type { DatasetDetail } from '../../../../main/contract'
import { api } from '../../api'
import type { ImportInput } from '../dataset-import-input'
import { useDatasetsStore } from '../datasets'
import { useStoppableJob } from '../stoppable-job'

/**
 * The import itself. It runs as a job process; its progress events say how far through the file
 * it is. Stop import ends it and nothing is registered (`stopped`, not an error).
 */
export function useImportJob() {
  const datasets = useDatasetsStore()
  const job = useStoppableJob('dataset-import', 'datasetsImport')
  const imported = ref<DatasetDetail | null>(null)

  /** Imports and lists the dataset; null when the import failed (`error`) or was stopped. */
  async function run(input: ImportInput): Promise<DatasetDetail | null> {
    return job.track(async () => {
      const detail = await api.datasetsImport(input)
      imported.value = detail
      await datasets.remember(detail)
      return detail
    })
  }

  function clear(): void {
    job.running.value = false
    job.error.value = null
    job.stopped.value = false
    job.stopping.value = false
    imported.value = null
  }

  return {
    importing: job.running, importError: job.error, importStopped: job.stopped, stoppingImport: job.stopping,
    importProgress: job.progress, stopImport: job.stop, imported, run, clear,
  }
}
