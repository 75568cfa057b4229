// The temporary folder an import writes its run folder into before renaming it into place
// (import-job.ts): `runs/.import-<pid>-<run id>`. A process killed mid-import (or a machine that lost
// power) leaves one behind, holding copies of the job's checkpoints; nothing records it, so the next
// import removes those whose process is gone. The pid in the name is what makes that safe: another
// process importing right now (the CLI beside the app) is alive and its folder is left alone. A
// reused pid only delays the cleanup, never removes a folder in use.
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { isProcessAlive } from '../../store/process-liveness'

const TEMP_PATTERN = /^\.import-(\d+)-[0-9a-f-]+$/

export function importTempFolder(runs: string, runId: string, pid = process.pid): string {
  return join(runs, `.import-${pid}-${runId}`)
}

/** Removes the import folders under `runs` whose process has ended; returns their paths. */
export function removeAbandonedImports(runs: string, alive: (pid: number) => boolean = isProcessAlive): string[] {
  let names: string[]
  try {
    names = readdirSync(runs)
  } catch {
    return [] // no runs folder yet
  }
  const removed: string[] = []
  for (const name of names) {
    const match = TEMP_PATTERN.exec(name)
    if (!match || alive(Number(match[1]))) continue
    const path = join(runs, name)
    rmSync(path, { recursive: true, force: true })
    removed.push(path)
  }
  return removed
}
