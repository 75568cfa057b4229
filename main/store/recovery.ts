import type { RunRecord, RunsRepo } from './repos/runs-repo'
import type { RunLogRepo } from './repos/run-log-repo'
import type { EvaluationsRepo } from './repos/evaluations-repo'
import { currentBootTimeMs, HEARTBEAT_LEASE_MS, isProcessAlive, isSameBoot, processStart, type ProcessStart } from './process-liveness'

export interface ProcessProbe {
  isAlive(pid: number): boolean
  /** When the pid's process started (see processStart). */
  startOf(pid: number): ProcessStart
  bootTimeMs: number
  nowMs(): number
}

export const liveProcessProbe: ProcessProbe = {
  isAlive: isProcessAlive,
  startOf: (pid) => processStart(pid),
  get bootTimeMs() {
    return currentBootTimeMs()
  },
  nowMs: () => Date.now(),
}

/**
 * Why the process recorded on a starting or running run is not provably that run's own (it is
 * gone, or the pid now names another program), or null when it is: same boot, alive, and the
 * same start time, or, where no start time can be compared, a fresh heartbeat. Nothing that
 * fails this may be signalled in the run's name.
 */
export function whyNotItsProcess(run: Pick<RunRecord, 'pid' | 'bootTimeMs' | 'processStartedAt' | 'heartbeatAt'>, probe: ProcessProbe = liveProcessProbe): string | null {
  const { pid } = run
  if (pid === null) return 'Its process was never recorded, so it stopped'
  if (run.bootTimeMs === null || !isSameBoot(run.bootTimeMs, probe.bootTimeMs)) return `The computer restarted (process ${pid} is gone)`
  const ended = `Its process ${pid} ended without reporting`
  if (!probe.isAlive(pid)) return ended
  const start = probe.startOf(pid)
  if (start.state === 'gone') return ended
  if (start.state === 'started' && run.processStartedAt !== null) {
    return start.at === run.processStartedAt ? null : `${ended} (process id ${pid} now belongs to another program)`
  }
  const heartbeat = run.heartbeatAt === null ? Number.NaN : Date.parse(run.heartbeatAt)
  if (probe.nowMs() - heartbeat < HEARTBEAT_LEASE_MS) return null
  return `Its process ${pid} has not reported for over ${HEARTBEAT_LEASE_MS / 60_000} minutes, so it is taken for ended (a process id can belong to another program later)`
}

/**
 * Marks `run` (as read, starting or running) interrupted when its process is not provably its
 * own; `found` says when that was noticed. The change holds only if the run is still as read,
 * so a run its process claimed meanwhile is left alone. Returns the run as marked, or
 * undefined when it was left.
 */
export function interruptIfOrphaned(runs: RunsRepo, run: RunRecord, found: string, probe: ProcessProbe = liveProcessProbe, runLog?: RunLogRepo): RunRecord | undefined {
  const reason = whyNotItsProcess(run, probe)
  if (!reason) return undefined
  const message =
    run.status === 'starting'
      ? `${reason} before the run's training began (found ${found}). Resume it to start its training again.`
      : `${reason} while the run was in progress (found ${found}). Resume it to continue from its last checkpoint.`
  const marked = runs.finishIfUnchanged(run, 'interrupted', message, new Date(), { trainedUntil: 'last-progress' })
  if (marked) runLog?.append(run.id, 'warn', `run interrupted: ${message}`)
  return marked
}

/**
 * Runs still marked `running` or `starting` whose process is gone (the app or machine went down
 * under them, or a kill came before a starting run's training began) become `interrupted`,
 * resumable from their last checkpoint. A run whose process is provably its own is left alone:
 * another Mixture Studio (e.g. `mixture-studio train`) may be running it. Its training time
 * counts up to its last step, and the reason goes into its log when `runLog` is given. Returns
 * the ids marked.
 */
export function markOrphanedRunsInterrupted(runs: RunsRepo, probe: ProcessProbe = liveProcessProbe, runLog?: RunLogRepo): string[] {
  return runs
    .listActive()
    .filter((run) => interruptIfOrphaned(runs, run, 'at start-up', probe, runLog))
    .map((run) => run.id)
}

/**
 * Evaluations still `running` whose process is not provably their own (the studio or machine went
 * down under them) become `failed`, keeping the cells they finished. Returns the ids marked.
 */
export function markOrphanedEvaluationsFailed(evaluations: EvaluationsRepo, probe: ProcessProbe = liveProcessProbe): string[] {
  return evaluations
    .listRunning()
    .filter((evaluation) => {
      // No heartbeat: where a start time cannot be compared (Windows) a live pid is not trusted.
      const reason = whyNotItsProcess({ pid: evaluation.pid, bootTimeMs: evaluation.bootTimeMs, processStartedAt: evaluation.processStartedAt, heartbeatAt: null }, probe)
      if (!reason) return false
      const message = `${reason} while the evaluation was scoring (found at start-up); the cells it finished are kept. Evaluate again to score the rest.`
      return evaluations.finishIfRunning(evaluation.id, 'failed', message, new Date(), evaluation.pid)
    })
    .map((evaluation) => evaluation.id)
}
