import { z } from 'zod'

/** The typed error every transport returns for a failed call. */
export const ApiError = z.object({
  code: z.enum(['invalid_input', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'internal']),
  message: z.string(),
  /** For invalid_input: which field, as a dotted path, and why. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
})
export type ApiError = z.infer<typeof ApiError>
