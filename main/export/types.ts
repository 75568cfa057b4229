// What an export takes and gives back (docs/DESIGN.md "Native adapter format", CLI `export`).
import type { AdapterMethodName } from '../engine/adapters/names'
import type { CheckpointChoice } from '../train/run-eval'

/** The formats `export` writes. */
export const EXPORT_FORMATS = ['native', 'peft', 'onnx', 'merged', 'torchrun'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/**
 * What to export: an adapter of a run (its best checkpoint unless `checkpoint` says otherwise), or
 * any adapter folder (a run's adapter/, a checkpoint, a copy). The cluster job (torchrun) is exported
 * from a run or from a run configuration file not yet started (`configFile`).
 */
export type ExportSource = { runId: string; checkpoint?: CheckpointChoice } | { adapterDir: string } | { configFile: string }

export interface ExportOptions {
  format: ExportFormat
  /** The folder to write: a new or empty one, or a previous export of this format when `overwrite` is set (export-target.ts). */
  out: string
  /** Replace a non-empty `out` that holds a previous export of this format, and nothing else (never the data folder, a model, the adapter ...). */
  overwrite?: boolean
  /** The base model folder, when it is no longer where the adapter's config says (peft, onnx, merged, and the model card's share). */
  baseModel?: string
}

export interface ExportedFile {
  /** Absolute path. */
  path: string
  bytes: number
}

export interface ExportResult {
  format: ExportFormat
  method: AdapterMethodName
  /** The folder written (absolute). */
  path: string
  files: ExportedFile[]
  /** The adapter folder that was exported. */
  source: string
  /** Which adapter of the run ("best checkpoint step-N (by eval_loss)", "final adapter" ...); null for a folder given directly. */
  adapterLabel: string | null
  /** The run the adapter belongs to (null for a folder from outside the store). */
  runId: string | null
  /** Whether the export was recorded in the run store's exports table (it needs a run). */
  recorded: boolean
}

/** An export that cannot be done as asked; the message says why and what to do instead. */
export class ExportError extends Error {
  override name = 'ExportError'
  constructor(
    message: string,
    /** `not_found`: the run asked for does not exist; `refused`: it exists but cannot be exported so; `no_room`: the disk took no more. */
    readonly reason: 'not_found' | 'refused' | 'no_room' = 'refused',
  ) {
    super(message)
  }
}
