// The job kinds that do a service call's work (datasetsImport, a large datasetsPreview,
// runsExport): main starts them with the call's request as one JSON argument and answers the
// call with their result (main/services/work-place.ts), so main's thread keeps answering other
// calls meanwhile. The CLI runs the same work in its own process, with `unwatchedWork`.
import type { z } from 'zod'
import { openStore, type Store } from '../../store'
import type { WorkContext } from '../work-context'
import type { JobContext, JobMain } from './job-context'

/** Each progress report crosses two processes (and a WebSocket): a few a second is plenty to watch. */
const PROGRESS_INTERVAL_MS = 100

/**
 * A job kind whose body is `work` on the request main passed. Cancelling sends SIGTERM. Work that
 * `stopsCleanly` checks stopRequested() and removes what it had begun, so SIGTERM only asks it to
 * stop (if it does not within the runner's grace period, it is killed). Other work is ended by
 * SIGTERM at once: it must not finish and record its result after the user was told it stopped.
 */
export function serviceJob<R>(
  request: z.ZodType<R>, startedBy: string, work: (request: R, context: WorkContext) => Promise<unknown>, options: { stopsCleanly?: boolean } = {},
): JobMain {
  return async (context) => {
    const parsed = request.safeParse(JSON.parse(context.args[0] ?? 'null'))
    if (!parsed.success) throw new Error(`a ${startedBy} job needs its request as one JSON argument; it is started by the ${startedBy} call`)
    let stop = false
    const onSigterm = () => {
      stop = true
    }
    if (options.stopsCleanly) process.on('SIGTERM', onSigterm)
    try {
      return await work(parsed.data, { progress: throttled(context), stopRequested: () => stop })
    } finally {
      process.off('SIGTERM', onSigterm)
    }
  }
}

/** Runs `use` on the store of `dataDir`, opened in this process (a job writes its own records, as training does). */
export async function withStore<T>(dataDir: string, use: (store: Store) => Promise<T>): Promise<T> {
  const store = openStore(dataDir, { openedBy: 'job' })
  try {
    return await use(store)
  } finally {
    store.close()
  }
}

/** At most one report per interval, but always a first one and one that says a step is complete. */
function throttled(context: JobContext): WorkContext['progress'] {
  let last = -Infinity
  return (done, total, label, transfer) => {
    const now = performance.now()
    if (now - last < PROGRESS_INTERVAL_MS && !(total > 0 && done >= total)) return
    last = now
    context.progress(done, total, label, transfer)
  }
}
