import { runTraining } from '../../train/run-training'
import type { JobMain } from './job-context'

/**
 * Trains one run (arguments: data dir, run id). The process owns the run's record; main only
 * forwards its events. SIGTERM (cancel) stops it at the next step boundary with a checkpoint;
 * a step that does not end within the runner's grace period is killed, and main marks the run.
 */
export const trainJob: JobMain = async (context) => {
  const [dataDir, runId] = context.args
  if (!dataDir || !runId) throw new Error('a train job needs a data dir and a run id; start training with runsStart (or `mixture-studio train`)')
  let stopRequested = false
  const stop = () => {
    stopRequested = true
  }
  process.on('SIGTERM', stop)
  try {
    // runsStart and runsResume queue the run for this job before starting it.
    const outcome = await runTraining({ dataDir, runId, onEvent: context.runEvent, shouldStop: () => stopRequested, claimed: true })
    if (outcome.status === 'failed') throw new Error(outcome.error ?? 'training failed')
    return outcome
  } finally {
    process.off('SIGTERM', stop)
  }
}
