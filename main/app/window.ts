import { BrowserWindow, session, shell } from 'electron'

/** The same policy as web mode, with the dev server allowed while developing. */
function contentSecurityPolicy(devServerUrl: string | undefined): string {
  const devConnect = devServerUrl ? ` ${devServerUrl} ${devServerUrl.replace(/^http/, 'ws')}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${devConnect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export interface WindowPlaces {
  preloadPath: string
  rendererIndex: string
  /** Set by electron-vite in development. */
  devServerUrl: string | undefined
}

/** Sent with every response the renderer loads (for file:// pages, index.html carries a meta tag too). */
export function installContentSecurityPolicy(devServerUrl: string | undefined): void {
  const policy = contentSecurityPolicy(devServerUrl)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } })
  })
}

export function createMainWindow(places: WindowPlaces): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Mixture Studio',
    show: false,
    webPreferences: {
      preload: places.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    },
  })
  window.once('ready-to-show', () => window.show())

  // The app never navigates away or opens windows; links to the web go to the browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, places)) event.preventDefault()
  })

  if (places.devServerUrl) void window.loadURL(places.devServerUrl)
  else void window.loadFile(places.rendererIndex)
  return window
}

/** The renderer's own pages: the dev server's origin, or files of the built renderer. */
export function isAppUrl(url: string, places: Pick<WindowPlaces, 'devServerUrl' | 'rendererIndex'>): boolean {
  if (places.devServerUrl) {
    try {
      return new URL(url).origin === new URL(places.devServerUrl).origin
    } catch {
      return false
    }
  }
  return url.startsWith('file://')
}
