// Checkpoints of a run: <runDir>/checkpoints/step-N/ holds the adapter in the native format
// (adapter_model.safetensors + adapter_config.json), the optimizer state (optimizer.safetensors)
// and state.json (step, data position). Each is written into a temporary folder and renamed
// into place, so a folder named step-N is always complete; a leftover .tmp-* folder from a
// process killed mid-write is ignored (and cleared by the next write).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OptimizerKind, OptimizerState } from '../engine/optim'
import { crashPoint } from './crash-points'
import { readSafetensorsHeader, readTensorBytes, writeSafetensors } from '../runtime'
import { readAdapterFolder, writeAdapterFiles, type AdapterFolder, type AdapterTensor, type NativeAdapterConfig } from './adapter-files'
import type { DataPosition } from './batches'
import type { LossScaleState } from './loss-scale'

export const OPTIMIZER_FILE = 'optimizer.safetensors'
export const STATE_FILE = 'state.json'
const CHECKPOINT_VERSION = 1
const STEP_FOLDER = /^step-(\d+)$/

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
}

/** Writes step-N atomically and returns its path. */
export function writeCheckpoint(checkpointsDir: string, checkpoint: CheckpointToWrite, now = new Date()): string {
  mkdirSync(checkpointsDir, { recursive: true })
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
      savedAt: now.toISOString(),
    }
    writeFileSync(join(temp, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`)
    crashPoint('checkpoint-write', checkpoint.step, 'state')
    // A checkpoint of this step from an earlier attempt (a resumed run repeating it) is replaced.
    rmSync(final, { recursive: true, force: true })
    renameSync(temp, final)
    crashPoint('checkpoint-write', checkpoint.step, 'renamed')
    return final
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
}

/** Complete checkpoints (step-N folders with a state file), oldest first; temporary folders are ignored. */
export function listCheckpoints(checkpointsDir: string): { step: number; path: string }[] {
  if (!existsSync(checkpointsDir)) return []
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
  /** Deletes one checkpoint folder (default: rm -r; a test passes one that fails). */
  removeFolder?(path: string): void
}

/**
 * Removes all but the newest `keep` checkpoints (never the one at `protect`); returns their
 * paths. The store forgets them before their folders go: a process killed in between leaves
 * folders that no row names (the next prune removes them, as it lists the disk), never a row
 * naming a checkpoint that is gone.
 */
export function pruneCheckpoints(checkpointsDir: string, keep: number, protect: number | null, steps: PruneSteps): string[] {
  const all = listCheckpoints(checkpointsDir)
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((c) => c.step !== protect).map((c) => c.path)
  steps.forget(doomed)
  const removeFolder = steps.removeFolder ?? ((path: string) => rmSync(path, { recursive: true, force: true }))
  for (const path of doomed) removeFolder(path)
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

function clearTemporaryFolders(checkpointsDir: string): void {
  for (const name of readdirSync(checkpointsDir)) if (name.startsWith('.tmp-')) rmSync(join(checkpointsDir, name), { recursive: true, force: true })
}
