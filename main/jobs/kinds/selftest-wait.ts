import type { JobMain } from './job-context'

const SECONDS = 60

/**
 * Diagnostics (see JobKind in main/contract/jobs.ts): waits, reporting progress every
 * second, so that cancelling or killing a job process can be checked without real work.
 */
export const selftestWait: JobMain = async (context) => {
  for (let second = 0; second < SECONDS; second++) {
    context.progress(second, SECONDS, 'waiting (diagnostics)')
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  context.progress(SECONDS, SECONDS, 'waiting (diagnostics)')
  return { waitedSeconds: SECONDS }
}
