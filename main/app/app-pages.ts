// Which pages are the desktop app's own, and what they may do. No Electron import here, so
// the rules are unit-tested under plain Node (tests/unit/app); the Electron code applies them.
import { contentSecurityPolicy } from '../server/content-security-policy'

/**
 * The built renderer is served as app://renderer/… by our own protocol handler (app-scheme.ts),
 * never as file://: a file:// page shares its origin with every file on the disk, so trusting
 * "any file://" would trust any HTML file the window could be sent to.
 */
export const appScheme = 'app'
export const appHost = 'renderer'
export const appIndexUrl = `${appScheme}://${appHost}/index.html`

/**
 * True for the app's own pages: app://renderer/…, or while developing (electron-vite sets
 * `devServerUrl`) the dev server's origin, and then only that. The window may navigate
 * only to these, and only these may call the contract over IPC.
 */
export function isAppUrl(url: string, devServerUrl: string | undefined): boolean {
  const page = parseUrl(url)
  if (!page) return false
  if (devServerUrl) {
    const devServer = parseUrl(devServerUrl)
    return devServer !== null && page.protocol === devServer.protocol && page.host === devServer.host
  }
  // Node keeps a custom scheme's host as written; Chromium lower-cases it (app:// is "standard").
  return page.protocol === `${appScheme}:` && page.host.toLowerCase() === appHost
}

/**
 * Web permissions are denied to every page, but our own pages may write to the clipboard and
 * show notifications: the Copy buttons use navigator.clipboard.writeText, which Chromium asks
 * permission for (as `clipboard-sanitized-write`), and a run that ends while the window is in the
 * background is told in a system notification (renderer/src/notifications/end-watch.ts; Settings
 * switches it off). Reading the clipboard stays denied.
 */
const GRANTED_TO_APP_PAGES: ReadonlySet<string> = new Set(['clipboard-sanitized-write', 'notifications'])

export function isPermissionGranted(permission: string, requestingUrl: string, devServerUrl: string | undefined): boolean {
  return GRANTED_TO_APP_PAGES.has(permission) && isAppUrl(requestingUrl, devServerUrl)
}

/**
 * The same policy as web mode (one source: server/content-security-policy.ts). app:// pages
 * connect nowhere (calls go over IPC); the dev server's pages reach it for module reloads.
 */
export function appContentSecurityPolicy(devServerUrl: string | undefined): string {
  const devServer = devServerUrl ? parseUrl(devServerUrl) : null
  if (!devServer) return contentSecurityPolicy()
  const socket = `${devServer.protocol === 'https:' ? 'wss:' : 'ws:'}//${devServer.host}`
  return contentSecurityPolicy([devServer.origin, socket])
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url)
  } catch {
    return null
  }
}
