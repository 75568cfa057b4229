// `runsExport`: the Export dialog's and the CLI's use case. Runs in the calling process: a native
// or PEFT export is a few small files; a merged export copies the base weights with async I/O
// and rewrites only the adapted tensors, one at a time; an ONNX export builds the graph (well under
// a second, as the New run estimate does) and streams the weights into one data file.
import { resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput } from '../contract'
import { ExportError, exportAdapter } from '../export'
import { AdapterFolderError } from '../train/adapter-files'
import type { Store } from '../store'

export function createExportHandlers(store: Store, dataDir: string) {
  return {
    async runsExport(input: CallParsedInput<'runsExport'>): Promise<CallOutput<'runsExport'>> {
      const source = input.runId !== undefined ? { runId: input.runId } : { adapterDir: resolve(input.adapterDir!) }
      try {
        return await exportAdapter(
          source,
          { format: input.format, out: resolve(input.out), overwrite: input.overwrite, ...(input.baseModel ? { baseModel: resolve(input.baseModel) } : {}) },
          { store, dataDir },
        )
      } catch (error) {
        // What the user asked for cannot be done as asked: say why, as an input problem, not a crash.
        if (error instanceof ExportError) throw new ApiCallError(error.reason === 'not_found' ? 'not_found' : 'invalid_input', error.message)
        if (error instanceof AdapterFolderError) throw new ApiCallError('invalid_input', error.message)
        throw error
      }
    },
  }
}
