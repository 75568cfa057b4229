import { z } from 'zod'

/** Formats `runsExport` writes (DESIGN.md "Native adapter format"). */
export const ExportFormat = z.enum(['native', 'peft', 'onnx', 'merged'])
export type ExportFormat = z.infer<typeof ExportFormat>

/**
 * Export a run's final adapter (`runId`) or any adapter folder (`adapterDir`: a checkpoint, a
 * copy) as the native folder, PEFT's layout (LoRA, (IA)³), an ONNX model with the adapter built in
 * (every method), or a merged model (LoRA, (IA)³).
 */
export const RunsExportInput = z
  .object({
    runId: z.string().min(1).optional(),
    adapterDir: z.string().min(1).optional(),
    format: ExportFormat,
    /** The folder to write. */
    out: z.string().min(1, 'give the folder to export into'),
    /** Replace a non-empty `out` that holds a previous export of this format (its marker file), never anything else. */
    overwrite: z.boolean().default(false),
    /** The base model folder, when it moved since training (peft, onnx, merged). */
    baseModel: z.string().min(1).optional(),
  })
  .strict()
  .refine((input) => (input.runId === undefined) !== (input.adapterDir === undefined), { message: 'give either runId or adapterDir', path: ['runId'] })

export const ExportedFile = z.object({ path: z.string(), bytes: z.number().int() })

export const RunExport = z.object({
  format: ExportFormat,
  method: z.string(),
  /** The folder written. */
  path: z.string(),
  files: z.array(ExportedFile),
  /** The adapter folder exported. */
  source: z.string(),
  runId: z.string().nullable(),
  /** Recorded in the run's exports (needs a run). */
  recorded: z.boolean(),
})
export type RunExport = z.infer<typeof RunExport>

/** A run and a format, for the folder the Export dialog suggests. */
export const RunsSuggestExportFolderInput = z.object({ runId: z.string().min(1), format: ExportFormat }).strict()

export const SuggestedExportFolder = z.object({
  /** A folder that did not exist when asked (absolute); nothing is created. */
  path: z.string(),
})
export type SuggestedExportFolder = z.infer<typeof SuggestedExportFolder>
