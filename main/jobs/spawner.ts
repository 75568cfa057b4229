import type { JobKind } from '../contract'

export interface JobProcessExit {
  code: number | null
  signal: string | null
  /** Set when the process could not be started at all. */
  spawnError?: Error
}

/** What the runner hears from a job process. */
export interface JobProcessHandlers {
  onSpawn(pid: number): void
  onMessage(message: unknown): void
  onStderr(text: string): void
  /** Called exactly once, after every message the process sent has been delivered. */
  onExit(exit: JobProcessExit): void
}

export interface JobProcess {
  kill(signal: 'SIGTERM' | 'SIGKILL'): void
}

/**
 * Starts one job process. Node uses child_process.fork (main/jobs/node-spawner.ts); the
 * Electron app supplies a utilityProcess one (main/app/utility-spawner.ts).
 */
export interface JobSpawner {
  /**
   * `args` are the job's own arguments (e.g. a train job's data dir and run id); `env` is added to
   * the process's environment: for a secret (the HF token), which arguments would show to every
   * user of the machine in its process list.
   */
  spawn(request: { kind: JobKind; jobId: string; args?: readonly string[]; env?: Readonly<Record<string, string>> }, handlers: JobProcessHandlers): JobProcess
}
