/** What a job's code gets from the process that runs it. */
import type { RunEvent } from '../../contract'

export interface JobContext {
  jobId: string
  /** The job's own arguments, as JobRunner.start received them. */
  args: readonly string[]
  /** Sends a training run's event to main (forwarded as `onRunEvent`). */
  runEvent(event: RunEvent): void
  log(level: 'info' | 'warn' | 'error', message: string): void
  progress(done: number, total: number, label: string): void
}

/** A job's body: its return value becomes the job's `result`; a throw fails the job. */
export type JobMain = (context: JobContext) => Promise<unknown>
