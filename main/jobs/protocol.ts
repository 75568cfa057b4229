import { z } from 'zod'
import { ApiError, JobEvent, RunEvent } from '../contract'

/**
 * What a job process may send to main. Progress, logs and the result are contract
 * JobEvents forwarded as they are; `failed` says the job itself gave up (its error is for
 * the user), as opposed to the process dying, which main detects on its own.
 * main adds `started` and `ended`: they describe the process, which the job cannot.
 * `code` says what kind of error it is, when the job knows (a bad row is invalid_input).
 */
export const JobFailed = z.object({ type: z.literal('failed'), jobId: z.string(), error: z.string(), code: ApiError.shape.code.optional() })
export type JobFailed = z.infer<typeof JobFailed>

/** A training job's run event (step, eval, checkpoint, status), forwarded as `onRunEvent`. */
export const JobRunEvent = z.object({ type: z.literal('run'), jobId: z.string(), event: RunEvent })
export type JobRunEvent = z.infer<typeof JobRunEvent>

export const WorkerMessage = z.union([JobEvent, JobFailed, JobRunEvent])
export type WorkerMessage = z.infer<typeof WorkerMessage>

/** The command-line arguments a job process is started with: `<kind> <jobId> [job arguments...]`. */
export function workerArgs(kind: string, jobId: string, args: readonly string[] = []): string[] {
  return [kind, jobId, ...args]
}
