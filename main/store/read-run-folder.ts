// What a run's folder, runs/<run id>/, says about the run, read back for a store that has no
// record of it (a restored backup made before the run: see reregister-runs.ts). The folder is
// what runTraining writes: config.json when its training first starts (never rewritten), a
// checkpoints/step-N/ folder at each save and at its last step, and adapter/ once that last
// step is done. Curves and log lines live only in the database, so they cannot be read back.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseRunConfig, RunConfigError } from '../config/run-config-text'
import type { RunConfig } from '../contract'
import { ADAPTER_CONFIG_FILE, readAdapterFolder } from '../train/adapter-files'
import { listCheckpoints, STATE_FILE } from '../train/checkpoint'
import { readImportOrigin, type ImportOrigin } from './import-origin-file'

export const RUN_CONFIG_FILE = 'config.json'

export interface FolderCheckpoint {
  step: number
  path: string
  /** state.json's savedAt (the time the checkpoint was written), else that file's modification time. */
  savedAt: Date
}

export interface RunFolderContents {
  config: RunConfig
  /** When its training first started: config.json was written then. */
  startedAt: Date
  /** Complete checkpoints (what a resume would read), oldest first. */
  checkpoints: FolderCheckpoint[]
  /** adapter/ when it holds a readable adapter: the step its adapter_config.json records, and when it was written. */
  adapter: { path: string; step: number | null; writtenAt: Date } | null
  /** Why adapter/ could not be read; null when it reads or is not there. */
  adapterProblem: string | null
  /** Where a run imported from a cluster job came from (imported-from.json); null for a run trained here. */
  origin: ImportOrigin | null
  /** Why imported-from.json could not be read; null when it reads or is not there. */
  originProblem: string | null
}

/**
 * Reads the run folder `folder`. Throws, with a message saying what is wrong with which file
 * (the folder itself is named by the caller), when it has no usable config.json: without its
 * configuration a run can be neither shown nor resumed.
 */
export function readRunFolder(folder: string): RunFolderContents {
  const configFile = join(folder, RUN_CONFIG_FILE)
  if (!existsSync(configFile)) {
    throw new Error(`it has no ${RUN_CONFIG_FILE} (a run's training writes one when it starts), so its configuration is unknown`)
  }
  const config = readRunConfig(configFile)
  return {
    config,
    startedAt: statSync(configFile).mtime,
    // What resume would read: listCheckpoints puts back a step-N that a killed re-save left aside.
    checkpoints: listCheckpoints(join(folder, 'checkpoints')).map(({ step, path }) => ({ step, path, savedAt: checkpointSavedAt(path) })),
    ...readOwnAdapter(join(folder, 'adapter')),
    ...readOrigin(folder),
  }
}

/** A damaged origin file loses only the origin: the run itself is still registered. */
function readOrigin(folder: string): Pick<RunFolderContents, 'origin' | 'originProblem'> {
  try {
    return { origin: readImportOrigin(folder), originProblem: null }
  } catch (error) {
    return { origin: null, originProblem: (error as Error).message }
  }
}

/** config.json, checked with the schema every run configuration goes through. */
function readRunConfig(file: string): RunConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`its ${RUN_CONFIG_FILE} cannot be read (${(error as Error).message})`)
  }
  try {
    return parseRunConfig(text, file)
  } catch (error) {
    if (!(error instanceof RunConfigError)) throw error
    const problems = error.problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.field ? `${p.field}: ` : ''}${p.message}`)
    throw new Error(`its ${RUN_CONFIG_FILE} is not a valid run configuration (${problems.join('; ')})`)
  }
}

function checkpointSavedAt(path: string): Date {
  const stateFile = join(path, STATE_FILE)
  try {
    const savedAt = new Date((JSON.parse(readFileSync(stateFile, 'utf8')) as { savedAt?: unknown }).savedAt as string)
    if (!Number.isNaN(savedAt.getTime())) return savedAt
  } catch {
    // A state file that does not parse is resume's to report (it names the file); its time still says when it was written.
  }
  return statSync(stateFile).mtime
}

/** The run's own adapter/, read in full (every tensor float32 and finite), as eval and export read it. */
function readOwnAdapter(dir: string): Pick<RunFolderContents, 'adapter' | 'adapterProblem'> {
  if (!existsSync(dir)) return { adapter: null, adapterProblem: null }
  try {
    const { config } = readAdapterFolder(dir)
    return { adapter: { path: dir, step: typeof config.step === 'number' ? config.step : null, writtenAt: statSync(join(dir, ADAPTER_CONFIG_FILE)).mtime }, adapterProblem: null }
  } catch (error) {
    return { adapter: null, adapterProblem: (error as Error).message }
  }
}
