// datasetsPreview's work: the first rows of a file as the import would see them. Main runs it
// itself for most files and in a `dataset-preview` job process for large ones (see
// PREVIEW_IN_PROCESS_MAX_BYTES in main/services/datasets.ts for why).
import { z } from 'zod'
import { ColumnMapping, DatasetFileType, DatasetFormat, TemplateChoice, type DatasetPreview } from '../contract'
import { loadTokenizerBundle, previewDataset } from '../data'
import type { WorkContext } from '../jobs/work-context'
import { asDatasetApiError } from './dataset-errors'

/** What main passes: the file and spec resolved (a stored dataset's own, overridden by the call's). */
export const DatasetPreviewRequest = z.object({
  path: z.string().min(1),
  fileType: DatasetFileType.optional(),
  format: DatasetFormat.optional(),
  mapping: ColumnMapping.optional(),
  systemPrompt: z.string().optional(),
  /** The model folder whose tokenizer tokenises the rows, if any. */
  model: z.string().min(1).nullable(),
  template: TemplateChoice,
  trainOnPrompt: z.boolean(),
  maxLength: z.number().int().positive().nullable(),
  limit: z.number().int().positive(),
})
export type DatasetPreviewRequest = z.infer<typeof DatasetPreviewRequest>

export async function previewFile(request: DatasetPreviewRequest, work: WorkContext): Promise<DatasetPreview> {
  try {
    if (request.model) work.progress(0, 0, `Loading the tokenizer of ${request.model}`)
    const tokenizer = request.model ? loadTokenizerBundle(request.model) : null
    work.progress(0, 0, `Reading the first ${request.limit} rows`)
    const preview = await previewDataset({
      path: request.path,
      fileType: request.fileType,
      format: request.format,
      mapping: request.mapping,
      systemPrompt: request.systemPrompt,
      template: request.template,
      trainOnPrompt: request.trainOnPrompt,
      tokenizer,
      maxLength: request.maxLength,
      limit: request.limit,
    })
    return {
      ...preview,
      source: { path: preview.source.path, fileType: preview.source.fileType, encoding: preview.source.encoding, sizeBytes: preview.source.sizeBytes },
    }
  } catch (error) {
    throw asDatasetApiError(error)
  }
}
