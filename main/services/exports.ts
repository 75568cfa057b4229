// `runsExport`: the Export dialog's and the CLI's use case. The work (main/services/export-work.ts)
// runs in an `export` job process, except in the CLI (see work-place.ts): a merged export copies
// the base model's weights and an ONNX export builds graphs and streams every weight, which would
// hold main's thread for seconds to minutes. `runsSuggestExportFolder` gives the dialog its default
// destination (export/suggested-folder.ts).
import { homedir } from 'node:os'
import { ApiCallError, RunExport, type CallOutput, type CallParsedInput } from '../contract'
import { suggestExportFolder } from '../export/suggested-folder'
import { unwatchedWork } from '../jobs/work-context'
import type { Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'
import { exportRequested, type ExportRequest } from './export-work'
import type { WorkPlace } from './work-place'

export function createExportHandlers(store: Store, dataDir: string, longWork: WorkPlace) {
  return {
    async runsExport(input: CallParsedInput<'runsExport'>): Promise<CallOutput<'runsExport'>> {
      const request: ExportRequest = {
        dataDir,
        source:
          input.runId !== undefined
            ? { runId: input.runId, ...(input.checkpoint !== undefined ? { checkpoint: input.checkpoint } : {}) }
            : input.configFile !== undefined
              ? { configFile: resolveTypedPath(input.configFile) }
              : { adapterDir: resolveTypedPath(input.adapterDir!) },
        format: input.format,
        out: resolveTypedPath(input.out),
        overwrite: input.overwrite,
        baseModel: input.baseModel ? resolveTypedPath(input.baseModel) : null,
      }
      return longWork.run(
        // A stopped export leaves the destination as it was: the folder is written aside and renamed into place.
        { kind: 'export', request, result: RunExport, what: 'The export', stopped: `The export was stopped before it finished; ${request.out} was left as it was` },
        () => exportRequested(request, store, unwatchedWork),
      )
    },

    async runsSuggestExportFolder({ runId, format }: CallParsedInput<'runsSuggestExportFolder'>): Promise<CallOutput<'runsSuggestExportFolder'>> {
      const run = store.runs.get(runId)
      if (!run) throw new ApiCallError('not_found', `There is no run ${runId}; \`mixture-studio runs list\` shows the runs`)
      return { path: suggestExportFolder(run.name, format, { home: homedir(), dataDir }) }
    },
  }
}
