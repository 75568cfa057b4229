import { measureRequested, StepTimingRequest } from '../../services/step-timing-work'
import { serviceJob } from './service-job'

/** runsMeasureStep's work. Its process's own start (imports, onnxruntime) is timed too: a run's job process pays it. */
export const stepTimingJob = serviceJob(StepTimingRequest, 'runsMeasureStep', (request, work) =>
  measureRequested({ ...request, processStartSeconds: request.processStartSeconds ?? process.uptime() }, work), { stopsCleanly: true })
