// evaluationsCreate's checks, before anything is scored: the model, the runs (each of that model,
// with an adapter at the chosen checkpoint) and the sets, resolved into the config the evaluation
// keeps. A mistake is refused here, naming the run or set, rather than minutes into the job.
import { existsSync, realpathSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { ApiCallError } from '../contract/api-call-error'
import type { CheckpointPick, EvaluationColumn, EvaluationConfig, EvaluationSet } from '../contract/evaluations'
import type { EvaluationsCreateInput } from '../contract/evaluations'
import { RunConfig } from '../contract/run-config'
import type { z } from 'zod'
import type { RunRecord, Store } from '../store'
import { runFolder } from '../train/run-training'
import { RunEvalError, runAdapter, type CheckpointChoice } from '../train/run-eval'
import { resolveTypedPath } from '../runtime/typed-path'

export type ParsedCreateInput = z.output<typeof EvaluationsCreateInput>

/** The dataset format a set may be picked from: rows of {"prompt","choices","answer"} (DatasetFormat). */
export const MULTIPLE_CHOICE_FORMAT = 'multiple-choice'

export function resolveEvaluation(input: ParsedCreateInput, store: Store, dataDir: string, now = new Date()): { name: string; config: EvaluationConfig } {
  const model = resolveModel(input.model, store)
  const columns: EvaluationColumn[] = []
  if (input.includeBase) columns.push({ key: 'base', kind: 'base', label: 'base', runId: null, runName: null, checkpoint: null, adapter: null, adapterLabel: null })
  for (const pick of input.runs) columns.push(runColumn(pick.runId, pick.checkpoint, model.path, store, dataDir))
  const sets = input.sets.map((set) => resolveSet(set, store))
  const name = input.name ?? `${model.name}, ${now.toISOString().slice(0, 16).replace('T', ' ')}`
  return { name, config: { model, columns, sets, lengthNormalize: input.lengthNormalize } }
}

function resolveModel(idOrFolder: string, store: Store): EvaluationConfig['model'] {
  const registered = store.catalog.getModel(idOrFolder)
  if (registered) return { id: registered.id, name: registered.name, path: registered.path }
  const folder = resolveTypedPath(idOrFolder)
  if (!isFolder(folder)) {
    throw new ApiCallError('not_found', `There is no model ${idOrFolder}: give a registered model's id (\`mixture-studio models list\`) or a model folder`)
  }
  const known = store.catalog.findModelByPath(folder)
  return known ? { id: known.id, name: known.name, path: known.path } : { id: null, name: basename(folder), path: folder }
}

function runColumn(runId: string, checkpoint: CheckpointPick, modelPath: string, store: Store, dataDir: string): EvaluationColumn {
  const run = store.runs.get(runId)
  if (!run) throw new ApiCallError('not_found', `There is no run ${runId}; \`mixture-studio runs list\` shows the runs`)
  const runModel = runModelFolder(run)
  if (runModel === null || !sameFolder(runModel, modelPath)) {
    throw new ApiCallError(
      'invalid_input',
      `Run "${run.name}" (${run.id}) trained ${runModel ?? 'an unknown model'}, not ${modelPath}: an evaluation compares runs of one model with that model. Pick its runs only, or evaluate ${runModel ?? 'its model'} separately`,
    )
  }
  try {
    const adapter = runAdapter(run, runFolder(dataDir, run.id), checkpointChoice(checkpoint))
    return {
      key: `${run.id}@${checkpoint}`,
      kind: 'run',
      label: `${run.name} (${checkpoint})`,
      runId: run.id,
      runName: run.name,
      checkpoint,
      adapter: adapter.path,
      adapterLabel: adapter.label,
    }
  } catch (error) {
    if (error instanceof RunEvalError) throw new ApiCallError('invalid_input', `Run "${run.name}": ${error.message}`)
    throw error
  }
}

/** The adapter a pick scores: runAdapter's best falls back to the last one (saying why) where the run marked none. */
export function checkpointChoice(pick: CheckpointPick): CheckpointChoice {
  return { kind: pick }
}

function runModelFolder(run: RunRecord): string | null {
  const config = RunConfig.safeParse(run.config)
  return config.success ? resolve(config.data.model.path) : null
}

function resolveSet(set: ParsedCreateInput['sets'][number], store: Store): EvaluationSet {
  if (set.datasetId !== undefined) {
    const dataset = store.datasets.get(set.datasetId)
    if (!dataset) throw new ApiCallError('not_found', `Set "${set.name}": there is no dataset ${set.datasetId}; \`mixture-studio datasets list\` shows the imported ones`)
    if (dataset.format !== MULTIPLE_CHOICE_FORMAT) {
      throw new ApiCallError('invalid_input', `Set "${set.name}": dataset "${dataset.name}" holds ${dataset.format} rows; an evaluation scores multiple-choice rows ({"prompt","choices","answer"})`)
    }
    return { name: set.name, datasetId: dataset.id, file: dataset.path }
  }
  const file = resolveTypedPath(set.file!)
  if (!existsSync(file)) throw new ApiCallError('not_found', `Set "${set.name}": there is no file ${file}`)
  return { name: set.name, datasetId: null, file }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The same folder, however it was written (a link, a trailing slash). */
function sameFolder(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path)
    } catch {
      return resolve(path)
    }
  }
  return real(a) === real(b)
}
