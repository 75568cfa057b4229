// What a service call's long work (an import, an export, a download, a scoring) is given: in a job
// process (main/jobs/kinds/service-job.ts) or in the CLI's own process. It sits below the services
// and main/evaluations that write such work, and below the job kinds that run it.
import type { TransferProgress } from '../contract'

/** What a service call's work gets, wherever it runs. */
export interface WorkContext {
  progress(done: number, total: number, label: string, transfer?: TransferProgress): void
  /** True once the work was asked to stop (its job was cancelled); work that can stop cleanly checks it between steps. */
  stopRequested(): boolean
}

/** Thrown by work that saw stopRequested(), once it has undone what it had begun. */
export class WorkStopped extends Error {
  constructor() {
    super('stopped on request')
    this.name = 'WorkStopped'
  }
}

/** Work in the caller's own process (the CLI): nobody watches its progress, and only Ctrl+C stops it. */
export const unwatchedWork: WorkContext = { progress: () => {}, stopRequested: () => false }
