// Finds the adapter folder an export reads and, when it belongs to a run of the store, the
// run's record (its configuration and final losses go into the model card, and the export is
// recorded against it).
import { existsSync } from 'node:fs'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { isActiveRunStatus, type MetricPoint, type RunRecord, type Store } from '../store'
import { readAdapterFolder, type AdapterFolder } from '../train/adapter-files'
import { RunEvalError, runAdapter } from '../train/run-eval'
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
  /** Each of the run's metrics at the exported adapter's step (its newest values for the final adapter); empty without a run. */
  latest: Record<string, MetricPoint>
  /** Which adapter of the run it is; null for a folder given directly. */
  label: string | null
}

export function resolveSource(source: ExportSource, context: ExportStoreContext | null): ResolvedSource {
  if ('runId' in source) {
    if (!context) throw new ExportError(`exporting run ${source.runId} needs the run store; give the adapter folder instead`)
    const run = context.store.runs.get(source.runId)
    if (!run) throw new ExportError(`there is no run ${source.runId}; \`mixture-studio runs list\` shows the runs`, 'not_found')
    const runDir = runFolder(context.dataDir, run.id)
    const choice = source.checkpoint ?? { kind: 'best' }
    // best and last export what a finished run gave, or the newest checkpoint of a run that
    // stopped (cancelled, failed, interrupted); a checkpoint of a run still training is exported
    // when asked for by its step.
    const finalDir = join(runDir, 'adapter')
    const stopped = !isActiveRunStatus(run.status) && run.status !== 'completed'
    if (choice.kind !== 'step' && !existsSync(finalDir) && !(stopped && context.store.artifacts.latestCheckpoint(run.id))) {
      const latest = context.store.artifacts.latestCheckpoint(run.id)
      const hint = latest ? ` Export its latest checkpoint instead: ${latest.path} (or --checkpoint ${latest.step})` : ''
      throw new ExportError(`run ${run.id} is ${run.status} and has no final adapter (${finalDir}).${hint}`)
    }
    let picked: ReturnType<typeof runAdapter>
    try {
      // adapter/ is written only once training completed: it is the run's last adapter whatever
      // its status says now (a restored store, a run record written by hand).
      // A stopped run without adapter/ gives its newest checkpoint as its last.
      picked = runAdapter(choice.kind === 'step' || !existsSync(finalDir) ? run : { ...run, status: 'completed' }, runDir, choice)
    } catch (error) {
      if (error instanceof RunEvalError) throw new ExportError(error.message, 'not_found')
      throw error
    }
    const latest = picked.step === null ? context.store.metrics.latest(run.id) : metricsAt(context.store, run.id, picked.step)
    return { adapterDir: picked.path, folder: readAdapterFolder(picked.path), run, latest, label: picked.label }
  }
  if ('configFile' in source) throw new ExportError('a run configuration file is exported as a cluster job (torchrun) only')
  const adapterDir = resolve(source.adapterDir)
  const folder = readAdapterFolder(adapterDir)
  const run = context ? runOwning(adapterDir, context) : null
  return { adapterDir, folder, run, latest: run && context ? context.store.metrics.latest(run.id) : {}, label: null }
}

/** The newest value of each metric of the run at or before `step`: what the run measured when that checkpoint was written. */
function metricsAt(store: Store, runId: string, step: number): Record<string, MetricPoint> {
  const at: Record<string, MetricPoint> = {}
  for (const name of ['loss', 'eval_loss']) {
    const point = store.metrics.curve(runId, name).filter((p) => p.step <= step).at(-1)
    if (point) at[name] = point
  }
  return at
}

/** The run whose folder (<data>/runs/<id>/...) holds `dir`, if any: its adapter/ or a checkpoint. */
function runOwning(dir: string, context: ExportStoreContext): RunRecord | null {
  const rel = relative(resolve(context.dataDir, 'runs'), dir)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return context.store.runs.get(rel.split(sep)[0]) ?? null
}
