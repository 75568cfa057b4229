import { DatasetImportRequest, importAndRecord } from '../../services/dataset-import-work'
import { serviceJob, withStore } from './service-job'

/** datasetsImport's work (main/services/dataset-import-work.ts); the process records the dataset itself, at the end. */
export const datasetImportJob = serviceJob(
  DatasetImportRequest, 'datasetsImport', (request, work) => withStore(request.dataDir, (store) => importAndRecord(request, store, work)), { stopsCleanly: true },
)
