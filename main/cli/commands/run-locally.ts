// Trains a run in the CLI's own process (the CLI process then owns the run's record, like a
// job process would): records it (or claims a stopped one), trains it, prints its events, and
// stops cleanly on Ctrl+C.
import { RunConfig } from '../../contract'
import { catalogIds, currentProcessIdentity, openStore, resolveDataDir, type RunRecord } from '../../store'
import { whyRunCannotTrain } from '../../train/resume-refusal'
import { defaultRunName } from '../../config/run-name'
import { runFolder, runTraining, type RunOutcome } from '../../train/run-training'
import { homedir } from 'node:os'
import type { CliContext } from '../command'
import type { TrainPrinter } from './train-output'

export function cliDataDir(context: CliContext): string {
  return resolveDataDir({ env: context.env, platform: process.platform, home: homedir() })
}

/** Records a new run for an already validated config (paths absolute), `starting` under this process, and returns its id. */
export function recordRun(dataDir: string, config: RunConfig): string {
  const store = openStore(dataDir)
  try {
    return store.runs.create({ name: defaultRunName(config), config, method: config.adapter.method, ...catalogIds(store, config) }).id
  } finally {
    store.close()
  }
}

/**
 * Claims a stopped run for this process to resume (`starting` under it, in one statement that checks
 * its status, so the studio or another `train --resume` cannot start it too). Returns the run,
 * or why it cannot be resumed.
 */
export function claimRunForResume(dataDir: string, runId: string): { run: RunRecord } | { error: string } {
  const store = openStore(dataDir)
  try {
    // Completed, or its folder or checkpoints gone (it would start over from step 0): refused before it is claimed.
    const stopped = store.runs.get(runId)
    const refusal = stopped && whyRunCannotTrain(store, stopped, runFolder(dataDir, runId))
    if (refusal) return { error: refusal }
    const claimed = store.runs.claimForResume(runId, currentProcessIdentity())
    if (claimed) return { run: claimed }
    const run = store.runs.get(runId)
    if (!run) return { error: `there is no run ${runId}; \`mixture-studio runs list\` shows the runs` }
    if (run.status === 'completed') return { error: `run ${runId} is completed; start a new run (adapter.init: its adapter folder) to train further` }
    const what = run.status === 'running' ? 'training' : 'starting its training'
    return { error: `run ${runId} is ${what} (process ${run.pid}); wait for it to end, or cancel it first` }
  } finally {
    store.close()
  }
}

/** Trains a run claimed by this process (recordRun, claimRunForResume). */
export async function trainLocally(context: CliContext, dataDir: string, runId: string, printer: TrainPrinter, threads?: number): Promise<RunOutcome> {
  let stop = false
  void context.untilInterrupted().then(() => {
    stop = true
  })
  const outcome = await runTraining({ dataDir, runId, claimed: true, onEvent: (e) => printer.event(e), shouldStop: () => stop, ...(threads ? { threads } : {}) })
  if (outcome.status === 'completed' && outcome.adapter) printer.done(runId, outcome.adapter, outcome.step)
  else if (outcome.status === 'failed') printer.error(`run ${runId} failed: ${outcome.error}`)
  else printer.error(`run ${runId} was cancelled at step ${outcome.step}; continue it with \`mixture-studio train --resume ${runId}\``)
  return outcome
}
