import type { JobKind } from '../../contract'
import type { JobMain } from './job-context'
import { selftestWait } from './selftest-wait'
import { systemProbe } from './system-probe'
import { trainJob } from './train'
import { generateJob } from './generate'

export type { JobContext, JobMain } from './job-context'

/** The code each job kind runs in its process. The Record type makes a missing kind a compile error. */
export const jobMains: Record<JobKind, JobMain> = {
  'system-probe': systemProbe,
  'selftest-wait': selftestWait,
  train: trainJob,
  generate: generateJob,
}
