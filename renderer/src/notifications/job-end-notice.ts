// What the system notification says when a long job ends while Mixture Studio is in the
// background: an evaluation, a download from the Hub, a dataset import, an export or the CUDA
// install, which can each take minutes. Short jobs (a probe, a preview, timing a step) and jobs
// that ended within a few seconds say nothing: the user is still looking.
import type { JobKind, JobState } from '../../../main/contract'
import { formatDuration } from '../format'
import { firstLine, type EndNotice } from './end-notice'

/** A job this short ends while its user still waits for it: no notification. */
export const LONG_JOB_SECONDS = 15

/** The jobs worth a notification, in words, and the page a click opens (null: the window only). */
const LONG_JOBS: Partial<Record<JobKind, { what: string; page: string | null }>> = {
  evaluate: { what: 'The evaluation', page: 'evaluate' },
  'hub-download': { what: 'The download from the Hub', page: 'models' },
  'dataset-import': { what: 'The dataset import', page: 'datasets' },
  export: { what: 'The export', page: null },
  'cuda-install': { what: 'Installing CUDA support', page: 'system' },
}

export function jobEndNotice(kind: JobKind, state: JobState, error: string | null, seconds: number | null): { notice: EndNotice; page: string | null } | null {
  const job = LONG_JOBS[kind]
  if (!job || (seconds !== null && seconds < LONG_JOB_SECONDS)) return null
  const took = seconds !== null ? `It took ${formatDuration(seconds)}.` : ''
  switch (state) {
    case 'completed':
      return { notice: { title: `${job.what} finished`, body: took }, page: job.page }
    case 'failed':
    case 'interrupted':
      return { notice: { title: `${job.what} failed`, body: firstLine(error) ?? took }, page: job.page }
    default:
      return null
  }
}
