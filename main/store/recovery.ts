import type { RunsRepo } from './repos/runs-repo'
import type { RunLogRepo } from './repos/run-log-repo'
import { currentBootTimeMs, isProcessAlive, isSameBoot } from './process-liveness'

export interface ProcessProbe {
  isAlive(pid: number): boolean
  bootTimeMs: number
}

const liveSystem: ProcessProbe = {
  isAlive: isProcessAlive,
  get bootTimeMs() {
    return currentBootTimeMs()
  },
}

/**
 * Runs still marked `running` whose process is gone (the app or machine went down under
 * them) become `interrupted`, resumable from their last checkpoint. A run whose process is
 * alive in this boot is left alone: another Mixture Studio (e.g. `mixture-studio train`)
 * may be running it. Its training time counts up to its last step, and the reason goes into its
 * log when `runLog` is given. Returns the ids marked.
 */
export function markOrphanedRunsInterrupted(runs: RunsRepo, probe: ProcessProbe = liveSystem, runLog?: RunLogRepo): string[] {
  const bootTimeMs = probe.bootTimeMs
  const marked: string[] = []
  for (const run of runs.listRunning()) {
    const reason = whyOrphaned(run.pid, run.bootTimeMs, bootTimeMs, probe)
    if (!reason) continue
    const message = `${reason} while the run was in progress (found at start-up). Resume it to continue from its last checkpoint.`
    runs.finish(run.id, 'interrupted', message, new Date(), { trainedUntil: 'last-progress' })
    runLog?.append(run.id, 'warn', `run interrupted: ${message}`)
    marked.push(run.id)
  }
  return marked
}

function whyOrphaned(pid: number | null, runBoot: number | null, bootTimeMs: number, probe: ProcessProbe): string | null {
  if (pid === null) return 'Its process was never recorded, so it stopped'
  if (runBoot === null || !isSameBoot(runBoot, bootTimeMs)) return `The computer restarted (process ${pid} is gone)`
  if (!probe.isAlive(pid)) return `Its process ${pid} ended without reporting`
  return null
}
