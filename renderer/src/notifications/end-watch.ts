// System notifications for work that ends while Mixture Studio is in the background (minimized,
// behind another window, another browser tab): a run takes minutes to hours, an evaluation or a
// download minutes, and nobody watches them the whole time. Clicking one brings the window forward
// on the page of what ended.
import type { JobEvent, JobKind, RunDetail, RunEvent } from '../../../main/contract'
import type { EndNotice } from './end-notice'
import { jobEndNotice } from './job-end-notice'
import { runEndNotice } from './run-end-notice'

interface EndWatch {
  /** The Settings switch, and the permission to show notifications. */
  enabled(): boolean
  /** The window is hidden or another window has the focus: the user is not looking. */
  inBackground(): boolean
  /** Shows a notification; one per tag at a time. */
  show(tag: string, notice: EndNotice, onClick: () => void): void
}

export interface RunEndWatch extends EndWatch {
  onRunEvent(listener: (event: RunEvent) => void): () => void
  runsShow(runId: string): Promise<RunDetail>
  openRun(runId: string): void
}

export interface JobEndWatch extends EndWatch {
  onJobEvent(listener: (event: JobEvent) => void): () => void
  openPage(page: string): void
  now(): number
}

const RUN_ENDED = new Set(['completed', 'failed', 'interrupted'])

/** Watches run status events; returns the unsubscribe. */
export function watchRunEnds(watch: RunEndWatch): () => void {
  // A run ends once per training segment: a resumed run may end again, and is told again.
  const told = new Set<string>()
  return watch.onRunEvent((event) => {
    if (event.type !== 'status' || !RUN_ENDED.has(event.status)) return
    if (!watch.enabled() || !watch.inBackground()) return
    void (async () => {
      let detail: RunDetail
      try {
        detail = await watch.runsShow(event.runId)
      } catch {
        return // deleted meanwhile: nothing to tell
      }
      const key = `${detail.run.id} ${detail.run.finishedAt ?? ''}`
      const notice = runEndNotice(detail)
      if (!notice || told.has(key)) return
      told.add(key)
      watch.show(`run-${detail.run.id}`, notice, () => watch.openRun(detail.run.id))
    })()
  })
}

/**
 * Watches job events for a long job's end (job-end-notice.ts); returns the unsubscribe. A run's
 * own training job is told by watchRunEnds, with the run's figures.
 */
export function watchJobEnds(watch: JobEndWatch): () => void {
  const started = new Map<string, { kind: JobKind; at: number }>()
  return watch.onJobEvent((event) => {
    if (event.type === 'started') {
      started.set(event.jobId, { kind: event.kind, at: watch.now() })
      return
    }
    if (event.type !== 'ended') return
    const job = started.get(event.jobId)
    started.delete(event.jobId)
    // A job started before this window listened: its kind is not known here, so it is not told.
    if (!job || !watch.enabled() || !watch.inBackground()) return
    const ended = jobEndNotice(job.kind, event.state, event.error, (watch.now() - job.at) / 1000)
    if (ended) watch.show(`job-${event.jobId}`, ended.notice, () => ended.page && watch.openPage(ended.page))
  })
}
