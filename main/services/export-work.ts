// runsExport's work, in an `export` job process (main/jobs/kinds/export.ts) for the app and web
// mode, in its own process for the CLI. A merged export copies the base model's weights and an
// ONNX export builds graphs and streams every weight: seconds to minutes of a thread main needs.
// exportAdapter writes the folder atomically and then records the export with its run, so the
// store gets the record only once the folder is complete and in place.
import { z } from 'zod'
import { ApiCallError, ExportFormat, RunCheckpointPick, type ApiErrorCode, type RunExport } from '../contract'
import type { CheckpointChoice } from '../train/run-eval'
import { ExportError, exportAdapter } from '../export'
import type { WorkContext } from '../jobs/work-context'
import type { Store } from '../store'
import { AdapterFolderError } from '../train/adapter-files'

/** What main passes: the call's input with its paths made absolute. */
export const ExportRequest = z.object({
  dataDir: z.string().min(1),
  source: z.union([
    z.object({ runId: z.string().min(1), checkpoint: RunCheckpointPick.optional() }).strict(),
    z.object({ adapterDir: z.string().min(1) }).strict(),
    z.object({ configFile: z.string().min(1) }).strict(),
  ]),
  format: ExportFormat,
  out: z.string().min(1),
  overwrite: z.boolean(),
  baseModel: z.string().min(1).nullable(),
})
export type ExportRequest = z.infer<typeof ExportRequest>

const API_CODE = { not_found: 'not_found', refused: 'invalid_input', no_room: 'conflict' } as const satisfies Record<ExportError['reason'], ApiErrorCode>

/** A pick of the call (best, last, a step) as runAdapter's choice; best when none is given. */
export function checkpointChoiceOf(pick: RunCheckpointPick | undefined): CheckpointChoice {
  if (pick === undefined || pick === 'best') return { kind: 'best' }
  return pick === 'last' ? { kind: 'last' } : { kind: 'step', step: pick }
}

export async function exportRequested(request: ExportRequest, store: Store, work: WorkContext): Promise<RunExport> {
  // exportAdapter reports nothing while it writes: what is being written, with no share done (total 0), then that it is.
  work.progress(0, 0, `Writing the ${request.format} export to ${request.out}`)
  try {
    const { source } = request
    const exported = await exportAdapter(
      'runId' in source ? { runId: source.runId, checkpoint: checkpointChoiceOf(source.checkpoint) } : source,
      { format: request.format, out: request.out, overwrite: request.overwrite, ...(request.baseModel ? { baseModel: request.baseModel } : {}) },
      { store, dataDir: request.dataDir },
    )
    work.progress(1, 1, `Wrote ${exported.files.length} files to ${exported.path}`)
    return exported
  } catch (error) {
    // What the user asked for cannot be done as asked: say why, as an input problem, not a crash.
    // A full disk is no fault of the input but as much the user's to act on: conflict, like a dataset import's.
    if (error instanceof ExportError) throw new ApiCallError(API_CODE[error.reason], error.message)
    if (error instanceof AdapterFolderError) throw new ApiCallError('invalid_input', error.message)
    throw error
  }
}
