import { z } from 'zod'
import { RunConfig } from './run-config'

export const RunsCheckInput = z.object({ config: RunConfig }).strict()

/**
 * One finding of the checks before Start (docs/DESIGN.md "Checks before Start"), on the field it
 * is about: a `refusal` is a run runsStart would not create (a data file that cannot be read, an
 * adapter.init that does not fit, a device not available here, a max_length past the model's
 * context); a `warning` does not stop it (memory the machine may not have).
 */
export const RunCheckProblem = z.object({
  /** The configuration field, as the form names its fields: data.train, eval.sets.0.data, adapter.init, device. */
  path: z.string(),
  message: z.string(),
  severity: z.enum(['refusal', 'warning']),
})
export type RunCheckProblem = z.infer<typeof RunCheckProblem>

export const RunChecks = z.object({ problems: z.array(RunCheckProblem) })
export type RunChecks = z.infer<typeof RunChecks>
