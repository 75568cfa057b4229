import { ExportRequest, exportRequested } from '../../services/export-work'
import { serviceJob, withStore } from './service-job'

/** runsExport's work (main/services/export-work.ts); the process records the export with its run, once written. */
export const exportJob = serviceJob(ExportRequest, 'runsExport', (request, work) =>
  withStore(request.dataDir, (store) => exportRequested(request, store, work)))
