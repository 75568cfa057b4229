import { DatasetPreviewRequest, previewFile } from '../../services/dataset-preview-work'
import { serviceJob } from './service-job'

/** datasetsPreview of a large file (main/services/dataset-preview-work.ts); reads, stores nothing. */
export const datasetPreviewJob = serviceJob(DatasetPreviewRequest, 'datasetsPreview', previewFile)
