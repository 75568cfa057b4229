// Finds the adapter folder an export reads and, when it belongs to a run of the store, the
// run's record (its configuration and final losses go into the model card, and the export is
// recorded against it).
import { existsSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { MetricPoint, RunRecord, Store } from '../store'
import { readAdapterFolder, type AdapterFolder } from '../train/adapter-files'
import { runFolder } from '../train/run-training'
import { ExportError, type ExportSource } from './types'

/** The run store and its data folder, when the export has one (the CLI and the services do). */
export interface ExportStoreContext {
  store: Store
  dataDir: string
}

export interface ResolvedSource {
  adapterDir: string
  folder: AdapterFolder
  run: RunRecord | null
  /** The newest value of each of the run's metrics (loss, eval_loss ...); empty without a run. */
  latest: Record<string, MetricPoint>
}

export function resolveSource(source: ExportSource, context: ExportStoreContext | null): ResolvedSource {
  if ('runId' in source) {
    if (!context) throw new ExportError(`exporting run ${source.runId} needs the run store; give the adapter folder instead`)
    const run = context.store.runs.get(source.runId)
    if (!run) throw new ExportError(`there is no run ${source.runId}; \`mixture-studio runs list\` shows the runs`, 'not_found')
    const adapterDir = join(runFolder(context.dataDir, run.id), 'adapter')
    if (!existsSync(adapterDir)) {
      const latest = context.store.artifacts.latestCheckpoint(run.id)
      const hint = latest ? ` Export its latest checkpoint instead: ${latest.path}` : ''
      throw new ExportError(`run ${run.id} is ${run.status} and has no final adapter (${adapterDir}).${hint}`)
    }
    return { adapterDir, folder: readAdapterFolder(adapterDir), run, latest: context.store.metrics.latest(run.id) }
  }
  const adapterDir = resolve(source.adapterDir)
  const folder = readAdapterFolder(adapterDir)
  const run = context ? runOwning(adapterDir, context) : null
  return { adapterDir, folder, run, latest: run && context ? context.store.metrics.latest(run.id) : {} }
}

/** The run whose folder (<data>/runs/<id>/...) holds `dir`, if any: its adapter/ or a checkpoint. */
function runOwning(dir: string, context: ExportStoreContext): RunRecord | null {
  const rel = relative(resolve(context.dataDir, 'runs'), dir)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return context.store.runs.get(rel.split(sep)[0]) ?? null
}
