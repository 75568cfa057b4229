// `export --format torchrun`: a run (or a run configuration not yet started) as a cluster job
// folder, written atomically like every export and recorded with its run.
import { dirname, resolve } from 'node:path'
import { RunConfig } from '../../contract/run-config'
import { resolveConfigPaths } from '../../config/config-paths'
import { readRunConfigFile } from '../../config/run-config-file'
import { runFolder } from '../../train/run-training'
import { writeFolderAtomically } from '../atomic-folder'
import type { ExportStoreContext } from '../source'
import { studioPlaces } from '../studio-places'
import { ExportError, type ExportOptions, type ExportResult, type ExportSource } from '../types'
import { checkTorchrunExportable, writeTorchrunJob } from './job-folder'

export async function exportTorchrunJob(source: ExportSource, options: ExportOptions, context: ExportStoreContext | null): Promise<ExportResult> {
  if ('adapterDir' in source) {
    throw new ExportError('a cluster job trains a run: export it from a run (its id) or from a run configuration file (--config run.yaml), not from an adapter folder')
  }
  let config: RunConfig
  let run: { id: string; name: string } | null = null
  let from: string
  if ('runId' in source) {
    if (!context) throw new ExportError(`exporting run ${source.runId} needs the run store`)
    const record = context.store.runs.get(source.runId)
    if (!record) throw new ExportError(`there is no run ${source.runId}; \`mixture-studio runs list\` shows the runs`, 'not_found')
    config = RunConfig.parse(record.config)
    run = { id: record.id, name: record.name }
    from = runFolder(context.dataDir, record.id)
  } else {
    from = resolve(source.configFile)
    config = resolveConfigPaths(readRunConfigFile(from), dirname(from))
  }
  // The model folder moved since the run was configured: the job reads it from its new place.
  if (options.baseModel) config = { ...config, model: { ...config.model, path: resolve(options.baseModel) } }
  checkTorchrunExportable(config)

  const exportedAt = new Date()
  const target = {
    format: options.format,
    overwrite: options.overwrite ?? false,
    reads: [config.model.path],
    studio: context ? studioPlaces(context) : null,
    marker: { runId: run?.id ?? null, createdAt: exportedAt },
  }
  const dataDir = context?.dataDir ?? null
  if (dataDir === null) throw new ExportError('the cluster job export needs the data folder (for the quantized-model cache and the run folders)')
  const { path, files } = await writeFolderAtomically(options.out, target, async (dir) => {
    await writeTorchrunJob(dir, { config, run, runDir: run ? from : null, dataDir })
  })
  const recorded = Boolean(context && run)
  if (context && run) context.store.artifacts.addExport(run.id, 'torchrun', path, exportedAt)
  return { format: 'torchrun', method: config.adapter.method, path, files, source: from, adapterLabel: null, runId: run?.id ?? null, recorded }
}
