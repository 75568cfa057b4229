// What a torchrun job wrote besides its curve: checkpoints/step-N/ and adapter/, in the app's own
// formats (/work/notes/torchrun-spec.md "Outputs"). Each is read with the app's readers
// (readCheckpoint, readAdapterFolder: every tensor float32 and finite) and checked against the
// job's parameters, and a checkpoint's optimizer state is loaded into the optimizer the run
// configures, as a resume here would: a folder that would fail there is refused before the import
// writes anything.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createOptimizer } from '../../engine/optim'
import type { RunConfig } from '../../contract'
import { readAdapterFolder } from '../adapter-files'
import { checkAdapterTensors, type AdapterFit, type ExpectedAdapterTensor } from '../adapter-tensor-checks'
import type { BestState } from '../best-metric'
import { readCheckpoint, OPTIMIZER_FILE, STATE_FILE } from '../checkpoint'
import { optimizerSpec } from '../trainer'
import { ImportJobError } from './import-job-error'

const STEP_FOLDER = /^step-(\d+)$/

export interface JobCheckpoint {
  step: number
  path: string
  savedAt: Date
  /** The watched metric's best when it was saved (state.json "best"), as the app's trainer keeps it. */
  best: BestState | null
}

/**
 * Every checkpoint under `checkpointsDir`, oldest first, each read in full and checked. Temporary
 * folders (.tmp-*: a save in progress or cut short) are not checkpoints; a step-N without its
 * state file is refused, since train.py renames a checkpoint into place only once it is whole.
 */
export function readJobCheckpoints(checkpointsDir: string, config: RunConfig, parameters: readonly ExpectedAdapterTensor[]): JobCheckpoint[] {
  if (!existsSync(checkpointsDir)) return []
  const found = readdirSync(checkpointsDir)
    .map((name) => ({ name, match: STEP_FOLDER.exec(name) }))
    .filter(({ name, match }) => match !== null && statSync(join(checkpointsDir, name)).isDirectory())
    .map(({ name, match }) => ({ step: Number(match![1]), path: join(checkpointsDir, name) }))
    .sort((a, b) => a.step - b.step)
  return found.map(({ step, path }) => readOne(step, path, config, parameters))
}

function readOne(step: number, path: string, config: RunConfig, parameters: readonly ExpectedAdapterTensor[]): JobCheckpoint {
  if (!existsSync(join(path, STATE_FILE))) {
    throw new ImportJobError(`${path}: an incomplete checkpoint (no ${STATE_FILE}); copy it from the cluster again, or remove it to import the job at the checkpoint before`)
  }
  let saved: ReturnType<typeof readCheckpoint>
  try {
    saved = readCheckpoint(path)
  } catch (error) {
    throw new ImportJobError((error as Error).message)
  }
  const { state } = saved
  const statePath = join(path, STATE_FILE)
  if (state.step !== step) throw new ImportJobError(`${statePath}: "step" is ${JSON.stringify(state.step)}, but the folder is step-${step}; the checkpoint was renamed or edited`)
  const { epoch, batch } = state.position ?? {}
  if (!isCount(epoch) || !isCount(batch)) throw new ImportJobError(`${statePath}: "position" is ${JSON.stringify(state.position)}; it must be {"epoch", "batch"}, whole numbers from 0 (data/positions.npy after step ${step})`)
  const savedAt = new Date(state.savedAt)
  if (Number.isNaN(savedAt.getTime())) throw new ImportJobError(`${statePath}: "savedAt" is ${JSON.stringify(state.savedAt)}; it must be an ISO time`)
  checkFits(saved.adapter, parameters, 'checkpoint')
  // Exactly what a resume does with it (trainer.ts): the optimizer the run configures, the state loaded in.
  const optimizer = createOptimizer(parameters, optimizerSpec({ ...config.train, shuffle: config.data.shuffle }))
  try {
    optimizer.loadState(saved.optimizer)
  } catch (error) {
    throw new ImportJobError(`${join(path, OPTIMIZER_FILE)}: ${(error as Error).message}`)
  }
  return { step, path, savedAt, best: state.best ?? null }
}

/** The job's final adapter folder, read in full and checked; `endStep` is the step its end line says. */
export function checkJobAdapter(dir: string, parameters: readonly ExpectedAdapterTensor[], endStep: number): void {
  let folder: ReturnType<typeof readAdapterFolder>
  try {
    folder = readAdapterFolder(dir)
  } catch (error) {
    throw new ImportJobError((error as Error).message)
  }
  checkFits(folder, parameters, 'adapter')
  const step = folder.config.step
  if (step !== null && step !== undefined && step !== endStep) {
    throw new ImportJobError(`${join(dir, 'adapter_config.json')}: "step" is ${JSON.stringify(step)}, but metrics.jsonl ends at step ${endStep}; the adapter is not the one this job wrote at its end`)
  }
}

/** The folder's tensors are exactly the job's parameters (names, shapes); the error names the tensor. */
function checkFits(folder: Parameters<typeof checkAdapterTensors>[0], parameters: readonly ExpectedAdapterTensor[], role: string): void {
  const fit: AdapterFit = {
    role,
    target: 'the job\'s adapter (job.json "parameters")',
    advice: 'The folder was written for another job or changed since: copy the job\'s out/ folder from the cluster again.',
  }
  try {
    checkAdapterTensors(folder, parameters, fit)
  } catch (error) {
    throw new ImportJobError((error as Error).message)
  }
}

function isCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}
