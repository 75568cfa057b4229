// Trains a run in the CLI's own process (the CLI process then owns the run's record, like a
// job process would): records it, trains it, prints its events, and stops cleanly on Ctrl+C.
import { RunConfig } from '../../contract'
import { openStore, resolveDataDir } from '../../store'
import { defaultRunName, runTraining, type RunOutcome } from '../../train/run-training'
import { homedir } from 'node:os'
import type { CliContext } from '../command'
import type { TrainPrinter } from './train-output'

export function cliDataDir(context: CliContext): string {
  return resolveDataDir({ env: context.env, platform: process.platform, home: homedir() })
}

/** Records a new run for an already validated config (paths absolute) and returns its id. */
export function recordRun(dataDir: string, config: RunConfig): string {
  const store = openStore(dataDir)
  try {
    return store.runs.create({ name: defaultRunName(config), config, method: config.adapter.method }).id
  } finally {
    store.close()
  }
}

export async function trainLocally(context: CliContext, dataDir: string, runId: string, printer: TrainPrinter, threads?: number): Promise<RunOutcome> {
  let stop = false
  void context.untilInterrupted().then(() => {
    stop = true
  })
  const outcome = await runTraining({ dataDir, runId, onEvent: (e) => printer.event(e), shouldStop: () => stop, ...(threads ? { threads } : {}) })
  if (outcome.status === 'completed' && outcome.adapter) printer.done(runId, outcome.adapter, outcome.step)
  else if (outcome.status === 'failed') printer.error(`run ${runId} failed: ${outcome.error}`)
  else printer.error(`run ${runId} was cancelled at step ${outcome.step}; continue it with \`mixture-studio train --resume ${runId}\``)
  return outcome
}
