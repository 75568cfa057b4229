// imported-from.json in a run folder that `runs import-job` brought home from a cluster job: where
// it came from and what its record said of it (its name, when and how long it trained: a folder's
// file times are the import's), written beside config.json when the folder is made. The database records the same
// (imported_jobs, the run's trained_on); this copy is what `store restore` reads back when the
// restored backup predates the import (reregister-runs.ts), so the run keeps its origin and the
// job still cannot be imported a second time as another run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'

export const IMPORT_ORIGIN_FILE = 'imported-from.json'

const ImportOrigin = z.strictObject({
  job_id: z.string().min(1),
  /** The job folder, absolute, as it was at the import. */
  folder: z.string().min(1),
  imported_at: z.iso.datetime(),
  /** The run's trained_on: the job's devices, precision and PyTorch. */
  trained_on: z.string(),
  name: z.string().min(1),
  started_at: z.iso.datetime(),
  finished_at: z.iso.datetime(),
  trained_seconds: z.number().nonnegative(),
})
export type ImportOrigin = z.infer<typeof ImportOrigin>

export function writeImportOrigin(runFolder: string, origin: ImportOrigin): void {
  writeFileSync(join(runFolder, IMPORT_ORIGIN_FILE), `${JSON.stringify(ImportOrigin.parse(origin), null, 2)}\n`)
}

/** The run folder's origin: null for a run trained here (no file); throws, naming the file and field, when it cannot be read. */
export function readImportOrigin(runFolder: string): ImportOrigin | null {
  const file = join(runFolder, IMPORT_ORIGIN_FILE)
  if (!existsSync(file)) return null
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file} cannot be read (${(error as Error).message.replace(/ \(line \d+ column \d+\)$/, '')})`)
  }
  const parsed = ImportOrigin.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`)
  }
  return parsed.data
}
