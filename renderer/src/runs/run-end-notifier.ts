// A system notification when a run ends while Mixture Studio is in the background (minimized,
// behind another window, another browser tab): a run takes minutes to hours, and nobody watches
// its curve the whole time. Clicking it brings the window forward on the run's page. The browser's
// Notification API serves both modes: Electron shows it as the OS's own notification (the app's
// session allows it, main/app/app-pages.ts); a browser asks the user once (Settings).
import type { RunDetail, RunEvent } from '../../../main/contract'
import { runEndNotice, type RunEndNotice } from './run-end-notice'

export interface RunEndWatch {
  onRunEvent(listener: (event: RunEvent) => void): () => void
  runsShow(runId: string): Promise<RunDetail>
  /** The Settings switch, and the permission to show notifications. */
  enabled(): boolean
  /** The window is hidden or another window has the focus: the user is not looking. */
  inBackground(): boolean
  show(runId: string, notice: RunEndNotice, onClick: () => void): void
  openRun(runId: string): void
}

const ENDED = new Set(['completed', 'failed', 'interrupted'])

/** Watches run status events; returns the unsubscribe. */
export function watchRunEnds(watch: RunEndWatch): () => void {
  // A run ends once per training segment: a resumed run may end again, and is told again.
  const told = new Set<string>()
  return watch.onRunEvent((event) => {
    if (event.type !== 'status' || !ENDED.has(event.status)) return
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
      watch.show(detail.run.id, notice, () => watch.openRun(detail.run.id))
    })()
  })
}

export type NotificationPermissionState = NotificationPermission | 'unsupported'

/** Whether this page may show notifications: the browser's answer, or unsupported. */
export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** One notification per run (a newer one replaces it); a click focuses the window and runs `onClick`. */
export function showSystemNotification(runId: string, notice: RunEndNotice, onClick: () => void): void {
  const notification = new Notification(notice.title, { body: notice.body, tag: `run-${runId}` })
  notification.onclick = () => {
    window.focus()
    onClick()
    notification.close()
  }
}
