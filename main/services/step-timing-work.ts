// runsMeasureStep's work: the configuration timed as its run would train it (measure-step.ts),
// in a `step-timing` job process (its own start is part of what a run pays), or in the CLI's.
import { z } from 'zod'
import { ApiCallError, RunConfig, type StepTiming } from '../contract'
import { WorkStopped, type WorkContext } from '../jobs/work-context'
import { MeasurementStopped, measureStepTiming } from '../train/measure-step'

/** What main passes: the configuration with its paths absolute, and the data folder (a quantized base's cache is there). */
export const StepTimingRequest = z.object({ config: RunConfig, dataDir: z.string().min(1), processStartSeconds: z.number().nonnegative().optional() })
export type StepTimingRequest = z.infer<typeof StepTimingRequest>

export async function measureRequested(request: StepTimingRequest, work: WorkContext): Promise<StepTiming> {
  try {
    return await measureStepTiming(request.config, {
      dataDir: request.dataDir,
      onPhase: (label, done = 0, total = 0) => work.progress(done, total, label),
      shouldStop: () => work.stopRequested(),
      ...(request.processStartSeconds !== undefined ? { processStartSeconds: request.processStartSeconds } : {}),
    })
  } catch (error) {
    if (error instanceof MeasurementStopped) throw new WorkStopped()
    // What the run itself would fail with (a bad row, a device it cannot use): the user's to fix.
    throw new ApiCallError('invalid_input', `This run cannot be timed: ${(error as Error).message}`)
  }
}
