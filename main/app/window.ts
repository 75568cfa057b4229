import { BrowserWindow, shell } from 'electron'
import { appIndexUrl, isAppUrl } from './app-pages'

export interface WindowPlaces {
  preloadPath: string
  /** Set by electron-vite in development; otherwise the window loads app://renderer/. */
  devServerUrl: string | undefined
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

  // The app never opens windows; links to the web go to the browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  // Nothing but the app's own pages loads here, in the window or any frame of it, also not
  // at the end of a redirect: a page that could navigate elsewhere would keep the preload's api.
  const stayInApp = (navigation: { url: string; preventDefault(): void }) => {
    if (!isAppUrl(navigation.url, places.devServerUrl)) navigation.preventDefault()
  }
  window.webContents.on('will-navigate', stayInApp)
  window.webContents.on('will-frame-navigate', stayInApp)
  window.webContents.on('will-redirect', stayInApp)

  void window.loadURL(places.devServerUrl ?? appIndexUrl)
  return window
}
