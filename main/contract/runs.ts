import { z } from 'zod'

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof RunStatus>

export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatus,
  method: z.string().nullable(),
  modelId: z.string().nullable(),
  datasetId: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  resumedFrom: z.string().nullable(),
})
export type RunSummary = z.infer<typeof RunSummary>

export const RunsListInput = z.object({
  status: RunStatus.optional(),
  limit: z.number().int().positive().max(10_000).default(200),
}).strict()
