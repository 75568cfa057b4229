/** What a job's code gets from the process that runs it. */
import type { RunEvent, TransferProgress } from '../../contract'

export interface JobContext {
  jobId: string
  /** The job's own arguments, as JobRunner.start received them. */
  args: readonly string[]
  /** Sends a training run's event to main (forwarded as `onRunEvent`). */
  runEvent(event: RunEvent): void
  log(level: 'info' | 'warn' | 'error', message: string): void
  /** `transfer`: a download's figures, for pages that show its rate and ETA. */
  progress(done: number, total: number, label: string, transfer?: TransferProgress): void
}

/** A job's body: its return value becomes the job's `result`; a throw fails the job. */
export type JobMain = (context: JobContext) => Promise<unknown>
