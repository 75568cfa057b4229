// The demo's files in the data folder: the tiny model under demo/model and the sample dataset at
// demo/data/train.jsonl, written only when they are not there yet. Both `mixture-studio demo` and
// the app's "Try the demo" come here, so they find (and never duplicate) each other's files.
//
// Each is written under a temporary name and renamed into place: a demo stopped mid-write (the
// app closed, Ctrl+C) must not leave a folder that looks made but lacks its tokenizer, which the
// next demo would then take as done and fail on.
import { existsSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { writeSampleDataset } from './sample-data'
import { writeDemoModel } from './tiny-llama'

/** Rows in the sample dataset. */
export const SAMPLE_ROWS = 400

/** The files a complete demo model folder has (writeDemoModel writes exactly these). */
const DEMO_MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']

export function demoModelDir(dataDir: string): string {
  return join(dataDir, 'demo', 'model')
}

export function sampleDataPath(dataDir: string): string {
  return join(dataDir, 'demo', 'data', 'train.jsonl')
}

/** Writes the demo model unless it is there; its parameter count when it was written now, else null. */
export function ensureDemoModelFiles(dir: string): { parameters: number } | null {
  if (DEMO_MODEL_FILES.every((file) => existsSync(join(dir, file)))) return null
  const partial = `${dir}.partial-${process.pid}`
  rmSync(partial, { recursive: true, force: true })
  const { parameters } = writeDemoModel(partial)
  // Only an incomplete folder can be here (checked above): one a write before this code was killed in.
  rmSync(dir, { recursive: true, force: true })
  renameSync(partial, dir)
  return { parameters }
}

/** Writes the sample dataset unless it is there; true when it was written now. */
export function ensureSampleDataFile(path: string): boolean {
  if (existsSync(path)) return false
  const partial = `${path}.partial-${process.pid}`
  writeSampleDataset(partial, SAMPLE_ROWS)
  renameSync(partial, path)
  return true
}
