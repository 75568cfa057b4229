// Where a long service call (an import, a large preview, an export) does its work. In the app and
// web mode that is a job process: the call still answers with the work's result, but main's
// thread, which answers every other call and forwards every event, is never held by it. The CLI
// runs the work in its own process: it has no other calls to answer, and a job process would
// only add its start (about a second) to each command.
import type { z } from 'zod'
import { ApiCallError } from '../contract'
import type { JobRunner } from '../jobs'

export type LongCallKind = 'dataset-import' | 'dataset-preview' | 'export' | 'hub-download' | 'step-timing' | 'cpu-rate'

export interface LongCallJob<T> {
  kind: LongCallKind
  /** Passed to the job as one JSON argument (its paths absolute: the job resolves nothing). */
  request: unknown
  result: z.ZodType<T>
  /** The call's answer when the user stopped the job, e.g. "The import was stopped before it finished; nothing was imported". */
  stopped: string
  /** What the work is, for a process that died: "The import". */
  what: string
  /** Added to the job process's environment: secrets (the HF token) that must not be in its arguments. */
  env?: Readonly<Record<string, string>>
}

export interface WorkPlace {
  /** The work's result; the work's own errors (an ApiCallError naming a bad row) are thrown as they are. */
  run<T>(job: LongCallJob<T>, inThisProcess: () => Promise<T>): Promise<T>
}

export const thisProcess: WorkPlace = {
  run: (_job, inThisProcess) => inThisProcess(),
}

export function jobProcesses(jobs: JobRunner): WorkPlace {
  return {
    async run(job) {
      const started = jobs.start(job.kind, [JSON.stringify(job.request)], job.env ? { env: job.env } : {})
      const ended = await jobs.waitForEnd(started.id)
      switch (ended.state) {
        case 'completed':
          return job.result.parse(ended.result)
        case 'failed':
          // The job's own error: with its code it is the answer the call gives in-process too;
          // without one it was unexpected, and the transport reports it as internal, as it would have.
          if (ended.errorCode) throw new ApiCallError(ended.errorCode, ended.error ?? '')
          throw new Error(ended.error ?? `${job.what} failed without saying why`)
        case 'cancelled':
          throw new ApiCallError('conflict', job.stopped)
        default:
          throw new ApiCallError('internal', `${job.what} ended before it finished (${ended.error ?? 'no reason given'}); try again`)
      }
    },
  }
}
