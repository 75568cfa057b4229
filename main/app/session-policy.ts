import { session } from 'electron'
import { appContentSecurityPolicy, isPermissionGranted } from './app-pages'

/**
 * The default session's rules, before any window opens: web permissions (camera,
 * notifications, clipboard reads …) are refused, asked or merely checked, except what
 * isPermissionGranted allows our own pages. app:// pages carry the Content-Security-Policy
 * themselves (app-protocol.ts); the dev server sends none, so its responses get it here.
 */
export function applySessionPolicy(devServerUrl: string | undefined): void {
  const appSession = session.defaultSession
  appSession.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionGranted(permission, details.requestingUrl, devServerUrl))
  })
  appSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionGranted(permission, requestingOrigin, devServerUrl),
  )
  if (devServerUrl) {
    const policy = appContentSecurityPolicy(devServerUrl)
    appSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } })
    })
  }
}
