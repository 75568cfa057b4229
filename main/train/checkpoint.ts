// Checkpoints of a run: <runDir>/checkpoints/step-N/ holds the adapter in the native format
// (adapter_model.safetensors + adapter_config.json), the optimizer state (optimizer.safetensors)
// and state.json (step, data position). Each is written into a temporary folder and renamed
// into place, so a folder named step-N is always complete; a leftover .tmp-* folder from a
// process killed mid-write or mid-prune is ignored (and cleared by the next write). A step-N
// being replaced by a new save of the same step is moved aside as .replaced-step-N-<pid> until
// the new one is in place; one a kill left there is put back by the next listing or write.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { OptimizerKind, OptimizerState } from '../engine/optim'
import { crashPoint } from './crash-points'
// The safetensors file itself, not ../runtime, which loads onnxruntime: the store reads run folders
// through this file when a restore registers runs again (store/read-run-folder.ts).
import { readSafetensorsHeader, readTensorBytes, writeSafetensors } from '../runtime/safetensors'
import { readAdapterFolder, writeAdapterFiles, type AdapterFolder, type AdapterTensor, type NativeAdapterConfig } from './adapter-files'
import type { DataPosition } from './batches'
import type { LossScaleState } from './loss-scale'
import type { BestState } from './best-metric'

export const OPTIMIZER_FILE = 'optimizer.safetensors'
export const STATE_FILE = 'state.json'
const CHECKPOINT_VERSION = 1
const STEP_FOLDER = /^step-(\d+)$/
const REPLACED_FOLDER = /^\.replaced-step-(\d+)-\d+$/

/** What, besides tensors, a resumed run needs to continue exactly. */
export interface CheckpointState {
  version: number
  /** Optimizer updates applied (the run's step). */
  step: number
  /** Where the next batch starts. */
  position: DataPosition
  optimizer: { kind: OptimizerKind; step: number }
  /** fp16 runs: the dynamic loss scale (absent for float32/bf16 runs and older checkpoints). */
  lossScale?: LossScaleState
  /** The watched metric's best and patience when this was saved (absent: none yet, or an older checkpoint). */
  best?: BestState
  savedAt: string
}

export interface CheckpointContents {
  path: string
  state: CheckpointState
  parameters: Map<string, Float32Array>
  /** The adapter folder the parameters come from, to check against the run's parameters (adapter-tensor-checks.ts). */
  adapter: AdapterFolder
  optimizer: OptimizerState
}

export function checkpointPath(checkpointsDir: string, step: number): string {
  return join(checkpointsDir, `step-${step}`)
}

export interface CheckpointToWrite {
  step: number
  position: DataPosition
  adapterConfig: NativeAdapterConfig
  parameters: readonly AdapterTensor[]
  optimizer: OptimizerState
  lossScale?: LossScaleState | null
  best?: BestState | null
}

/** Writes step-N atomically and returns its path. */
export function writeCheckpoint(checkpointsDir: string, checkpoint: CheckpointToWrite, now = new Date()): string {
  mkdirSync(checkpointsDir, { recursive: true })
  // Put back first: a step-N moved aside is not a temporary folder, it may be the only copy of that step.
  putBackReplacedCheckpoints(checkpointsDir)
  clearTemporaryFolders(checkpointsDir)
  const final = checkpointPath(checkpointsDir, checkpoint.step)
  const temp = join(checkpointsDir, `.tmp-step-${checkpoint.step}-${process.pid}`)
  rmSync(temp, { recursive: true, force: true })
  mkdirSync(temp)
  try {
    writeAdapterFiles(temp, checkpoint.adapterConfig, checkpoint.parameters)
    crashPoint('checkpoint-write', checkpoint.step, 'adapter')
    writeSafetensors(
      join(temp, OPTIMIZER_FILE),
      Object.entries(checkpoint.optimizer.tensors).map(([name, data]) => ({ name, dtype: 'float32' as const, shape: [data.length], data })),
      { kind: checkpoint.optimizer.kind, step: String(checkpoint.optimizer.step) },
    )
    crashPoint('checkpoint-write', checkpoint.step, 'optimizer')
    const state: CheckpointState = {
      version: CHECKPOINT_VERSION,
      step: checkpoint.step,
      position: checkpoint.position,
      optimizer: { kind: checkpoint.optimizer.kind, step: checkpoint.optimizer.step },
      ...(checkpoint.lossScale ? { lossScale: checkpoint.lossScale } : {}),
      ...(checkpoint.best ? { best: checkpoint.best } : {}),
      savedAt: now.toISOString(),
    }
    writeFileSync(join(temp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`)
    crashPoint('checkpoint-write', checkpoint.step, 'state')
    putInPlace(temp, final, checkpoint.step)
    return final
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
}

/**
 * Renames the complete folder `temp` to step-N. A step-N already there (the same step saved
 * again: Cancel right after a save, a resumed run stopped before its first step) is moved aside
 * and deleted only once the new one is in place: deleting it first, a kill before the rename
 * lost the step's checkpoint. Killed between the two renames, the old one waits aside for
 * putBackReplacedCheckpoints.
 */
function putInPlace(temp: string, final: string, step: number): void {
  const aside = existsSync(final) ? join(dirname(final), `.replaced-${basename(final)}-${process.pid}`) : null
  if (aside) {
    renameSync(final, aside)
    crashPoint('checkpoint-write', step, 'moved-aside')
  }
  try {
    renameSync(temp, final)
  } catch (error) {
    if (aside && existsSync(aside)) renameSync(aside, final)
    throw error
  }
  crashPoint('checkpoint-write', step, 'renamed')
  if (aside) rmSync(aside, { recursive: true, force: true })
}

/**
 * Complete checkpoints (step-N folders with a state file), oldest first; temporary folders are
 * ignored. A step-N that a killed re-save of its step had moved aside is put back first.
 */
export function listCheckpoints(checkpointsDir: string): { step: number; path: string }[] {
  if (!existsSync(checkpointsDir)) return []
  putBackReplacedCheckpoints(checkpointsDir)
  return readdirSync(checkpointsDir)
    .map((name) => ({ name, match: STEP_FOLDER.exec(name) }))
    .filter(({ name, match }) => match !== null && existsSync(join(checkpointsDir, name, STATE_FILE)))
    .map(({ name, match }) => ({ step: Number(match![1]), path: join(checkpointsDir, name) }))
    .sort((a, b) => a.step - b.step)
}

/** The two halves of pruning, in the order they run. */
export interface PruneSteps {
  /** Forgets the pruned checkpoints in the store (the trainer's hook: one transaction with the new checkpoint's row). */
  forget(paths: string[]): void
  /** Deletes one pruned folder, already renamed to a .tmp- name (default: rm -r; a test passes one that fails or stops halfway). */
  removeFolder?(path: string): void
}

/**
 * Removes all but the newest `keep` checkpoints (never those at the steps in `protect`: the one
 * just written, the run's best); returns their paths. The store forgets them before their folders go: a process killed in between leaves
 * folders that no row names (the next prune removes them, as it lists the disk), never a row
 * naming a checkpoint that is gone. Each folder is renamed to a .tmp- name before it is
 * deleted: rm -r cut short by a kill left a step-N that looked complete (its state file still
 * there) but could not be read, or one no prune saw again; a .tmp- leftover is ignored and
 * cleared by the next write.
 */
export function pruneCheckpoints(checkpointsDir: string, keep: number, protect: readonly number[], steps: PruneSteps): string[] {
  const all = listCheckpoints(checkpointsDir)
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((c) => !protect.includes(c.step)).map((c) => c.path)
  steps.forget(doomed)
  const removeFolder = steps.removeFolder ?? ((path: string) => rmSync(path, { recursive: true, force: true }))
  for (const path of doomed) {
    const doomedAside = join(checkpointsDir, `.tmp-pruned-${basename(path)}-${process.pid}`)
    renameSync(path, doomedAside)
    removeFolder(doomedAside)
  }
  return doomed
}

export function readCheckpoint(path: string): CheckpointContents {
  const statePath = join(path, STATE_FILE)
  let state: CheckpointState
  try {
    state = JSON.parse(readFileSync(statePath, 'utf8')) as CheckpointState
  } catch (error) {
    throw new Error(`${statePath}: cannot read the checkpoint state (${(error as Error).message}); resume from an earlier checkpoint`)
  }
  if (state.version !== CHECKPOINT_VERSION) throw new Error(`${statePath}: checkpoint version ${state.version} is not one this Mixture Studio reads (${CHECKPOINT_VERSION})`)
  const adapter = readAdapterFolder(path)
  const parameters = new Map([...adapter.tensors].map(([name, t]) => [name, t.data]))
  const file = readSafetensorsHeader(join(path, OPTIMIZER_FILE))
  const tensors: Record<string, Float32Array> = {}
  for (const entry of file.tensors.values()) {
    const bytes = readTensorBytes(file, entry.name)
    const data = new Float32Array(entry.length / 4)
    new Uint8Array(data.buffer).set(bytes)
    tensors[entry.name] = data
  }
  return { path, state, parameters, adapter, optimizer: { kind: state.optimizer.kind, step: state.optimizer.step, tensors } }
}

/**
 * A .replaced-step-N-<pid> folder is a step-N that a re-save of its step moved aside: back to
 * step-N when the process died before the new one was renamed in, deleted when it died after.
 */
function putBackReplacedCheckpoints(checkpointsDir: string): void {
  for (const name of readdirSync(checkpointsDir)) {
    const match = REPLACED_FOLDER.exec(name)
    if (!match) continue
    const aside = join(checkpointsDir, name)
    const final = checkpointPath(checkpointsDir, Number(match[1]))
    if (existsSync(final)) rmSync(aside, { recursive: true, force: true })
    else renameSync(aside, final)
  }
}

function clearTemporaryFolders(checkpointsDir: string): void {
  for (const name of readdirSync(checkpointsDir)) if (name.startsWith('.tmp-')) rmSync(join(checkpointsDir, name), { recursive: true, force: true })
}
