import type { RunStatus } from '../../../../main/contract'

export type TagType = 'default' | 'info' | 'success' | 'warning' | 'error'

/** One colour per run status, shared by the Runs table and the run page. */
export const STATUS_TAG: Record<RunStatus, TagType> = {
  queued: 'default',
  starting: 'default',
  running: 'info',
  completed: 'success',
  failed: 'error',
  cancelled: 'default',
  interrupted: 'warning',
}
