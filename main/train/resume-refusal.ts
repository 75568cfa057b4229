// Why a run must not be trained (again) now, said before anything about it changes: it is
// completed, or the files its training went into are gone and it would quietly start over.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { isActiveRunStatus, type RunRecord, type Store } from '../store'
import { listCheckpoints } from './checkpoint'

/**
 * Why `run` must not be resumed, or null when it may: the message says why and what to do
 * instead. `folder` is the run's folder (runFolder); the store says how far the run got.
 */
export function whyRunCannotTrain(store: Store, run: RunRecord, folder: string): string | null {
  // A run a process is at work on is refused by the claim itself, which says so.
  if (isActiveRunStatus(run.status)) return null
  if (run.status === 'completed') {
    return `run ${run.id} is completed, so it is not trained further. To train on from its adapter, start a new run ` +
      `whose configuration sets adapter.init: ${join(folder, 'adapter')} (\`mixture-studio train --config FILE\`)`
  }
  const recorded = store.artifacts.listCheckpoints(run.id)
  const trainedTo = Math.max(store.metrics.latest(run.id).loss?.step ?? 0, recorded.at(-1)?.step ?? 0)
  // A run that never finished a step starting at step 0 is what resuming it means.
  if (trainedTo === 0) return null
  const startsOver = (what: string) =>
    `Resuming would start it again from step 0: put ${what} back to resume, or start a new run from its configuration (\`config\` in \`mixture-studio runs show ${run.id} --json\`)`
  if (!existsSync(folder)) return `run ${run.id} trained to step ${trainedTo}, but its folder ${folder} is gone, and its checkpoints with it. ${startsOver('the folder')}`
  const newest = recorded.at(-1)
  const checkpointsDir = join(folder, 'checkpoints')
  if (newest && listCheckpoints(checkpointsDir).length === 0) {
    return `run ${run.id} saved checkpoints up to step ${newest.step}, but none is left in ${checkpointsDir} (${newest.path} is missing). ${startsOver('the checkpoint')}`
  }
  return null
}
