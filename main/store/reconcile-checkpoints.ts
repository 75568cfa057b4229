import { existsSync } from 'node:fs'
import type { ArtifactsRepo, CheckpointRecord } from './repos/artifacts-repo'
import type { RunLogRepo } from './repos/run-log-repo'

/**
 * Forgets checkpoint rows whose folder is gone, so the store never offers a checkpoint that
 * cannot be read. Before pruning forgot rows ahead of deleting folders, a process killed
 * between the two left such rows; a folder deleted by hand leaves them too. Each forgotten
 * checkpoint is noted in its run's log. Folders that no row names are left alone: they are
 * the user's data (and a run's next prune removes its own). Returns the rows forgotten.
 */
export function forgetMissingCheckpoints(store: { artifacts: ArtifactsRepo; runLog: RunLogRepo }): CheckpointRecord[] {
  const missing = store.artifacts.listAllCheckpoints().filter((checkpoint) => !existsSync(checkpoint.path))
  for (const checkpoint of missing) {
    store.artifacts.removeCheckpoints(checkpoint.runId, [checkpoint.path])
    store.runLog.append(checkpoint.runId, 'warn', `checkpoint at step ${checkpoint.step} forgotten: its folder ${checkpoint.path} is gone (found at start-up)`)
  }
  return missing
}
