// The browser's Notification API, which both modes use: Electron shows a notification as the
// OS's own (the app's session allows it, main/app/app-pages.ts); a browser asks the user once.
import type { EndNotice } from './end-notice'

export type NotificationPermissionState = NotificationPermission | 'unsupported'

/** Whether this page may show notifications: the browser's answer, or unsupported. */
export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission
}

/** One notification per tag (a newer one replaces it); a click focuses the window and runs `onClick`. */
export function showSystemNotification(tag: string, notice: EndNotice, onClick: () => void): void {
  const notification = new Notification(notice.title, { body: notice.body, tag })
  notification.onclick = () => {
    window.focus()
    onClick()
    notification.close()
  }
}
