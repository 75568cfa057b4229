/** What a job's code gets from the process that runs it. */
export interface JobContext {
  jobId: string
  log(level: 'info' | 'warn' | 'error', message: string): void
  progress(done: number, total: number, label: string): void
}

/** A job's body: its return value becomes the job's `result`; a throw fails the job. */
export type JobMain = (context: JobContext) => Promise<unknown>
