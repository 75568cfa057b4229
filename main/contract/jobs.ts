import { z } from 'zod'

export const JobKind = z.enum(['system-probe'])
export type JobKind = z.infer<typeof JobKind>

export const JobState = z.enum(['running', 'completed', 'failed', 'cancelled', 'interrupted'])
export type JobState = z.infer<typeof JobState>

/** Events a job process streams to main, forwarded to the renderer as `onJobEvent`. */
export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), jobId: z.string(), kind: JobKind, pid: z.number().int() }),
  z.object({ type: z.literal('log'), jobId: z.string(), level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  z.object({ type: z.literal('progress'), jobId: z.string(), done: z.number(), total: z.number(), label: z.string() }),
  z.object({ type: z.literal('result'), jobId: z.string(), data: z.unknown() }),
  z.object({
    type: z.literal('ended'),
    jobId: z.string(),
    state: JobState,
    error: z.string().nullable(),
    /** Last lines of the process's stderr when it died unexpectedly. */
    lastWords: z.string().nullable(),
  }),
])
export type JobEvent = z.infer<typeof JobEvent>

export const JobInfo = z.object({
  id: z.string(),
  kind: JobKind,
  state: JobState,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  error: z.string().nullable(),
  result: z.unknown().optional(),
})
export type JobInfo = z.infer<typeof JobInfo>
