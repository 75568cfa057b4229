import { z } from 'zod'

/** Formats `runsExport` writes (docs/DESIGN.md "Native adapter format"). */
export const ExportFormat = z.enum(['native', 'peft', 'onnx', 'merged', 'torchrun'])
export type ExportFormat = z.infer<typeof ExportFormat>

/**
 * Which adapter of a run an export (or the Playground) uses: its best checkpoint (the default:
 * runs.best_step, else its last adapter), its last adapter, or the checkpoint of a step.
 */
export const RunCheckpointPick = z.union([z.literal('best'), z.literal('last'), z.number().int().min(1)])
export type RunCheckpointPick = z.infer<typeof RunCheckpointPick>

/**
 * Export a run's adapter (`runId`, at `checkpoint`) or any adapter folder (`adapterDir`: a checkpoint, a
 * copy) as the native folder, PEFT's layout (LoRA, (IA)³), an ONNX model with the adapter built in
 * (every method), or a merged model (LoRA, (IA)³).
 */
export const RunsExportInput = z
  .object({
    runId: z.string().min(1).optional(),
    adapterDir: z.string().min(1).optional(),
    /** torchrun only: a run configuration file (YAML or JSON) not yet started, instead of a run. */
    configFile: z.string().min(1).optional(),
    format: ExportFormat,
    /** The folder to write. */
    out: z.string().min(1, 'give the folder to export into'),
    /** Replace a non-empty `out` that holds a previous export of this format (its marker file), never anything else. */
    overwrite: z.boolean().default(false),
    /** The base model folder, when it moved since training (peft, onnx, merged). */
    baseModel: z.string().min(1).optional(),
    /** With runId: best (default), last, or a step's checkpoint. */
    checkpoint: RunCheckpointPick.optional(),
  })
  .strict()
  .refine((input) => [input.runId, input.adapterDir, input.configFile].filter((v) => v !== undefined).length === 1, { message: 'give either runId or adapterDir (or, for a cluster job, configFile)', path: ['runId'] })
  .refine((input) => input.configFile === undefined || input.format === 'torchrun', { message: 'a run configuration file is exported as a cluster job only (format torchrun)', path: ['configFile'] })
  .refine((input) => input.checkpoint === undefined || input.runId !== undefined, { message: 'checkpoint picks an adapter of a run: give it with runId (an adapterDir is exported as it is)', path: ['checkpoint'] })

export const ExportedFile = z.object({ path: z.string(), bytes: z.number().int() })

export const RunExport = z.object({
  format: ExportFormat,
  method: z.string(),
  /** The folder written. */
  path: z.string(),
  files: z.array(ExportedFile),
  /** The adapter folder exported. */
  source: z.string(),
  /** Which adapter of the run that is: "best checkpoint step-40 (by accuracy.arc)", "final adapter" ...; null for a folder given directly. */
  adapterLabel: z.string().nullable(),
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
