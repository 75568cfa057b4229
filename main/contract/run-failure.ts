// Whether a stopped run's cause may be gone by itself, so that Resume (the same configuration,
// from its last checkpoint) can succeed: memory another process held, a full disk, a process
// killed or a machine restarted. Anything else the trainer reports (a missing or malformed data
// file, a model it cannot read, a setting it refuses, a loss that diverged) happens again on
// Resume: the run is edited and run again instead. Shared by the trainer's hints and the Run page.
import type { RunStatus } from './runs'

export const OUT_OF_MEMORY = /out of memory|failed to allocate|bad_alloc|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|E_OUTOFMEMORY|Not enough memory/i
export const DISK_FULL = /ENOSPC|no space left on device/i
/** How the job runner words a process that ended without reporting (runner.ts finalState, runs.ts). */
const PROCESS_ENDED = /killed by signal|exited with code|could not be started|ended without finishing the run|SIGKILL|SIGTERM|interrupted/i

/** Whether Resume may get further than the run did: it was cancelled or interrupted, or it failed for a passing cause. */
export function mayResume(status: RunStatus, error: string | null): boolean {
  if (status === 'cancelled' || status === 'interrupted') return true
  if (status !== 'failed') return false
  // A failure without words is not known to be the data's or the configuration's.
  if (!error) return true
  return OUT_OF_MEMORY.test(error) || DISK_FULL.test(error) || PROCESS_ENDED.test(error)
}
