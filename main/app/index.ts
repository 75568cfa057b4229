// The Electron main process: a window, the IPC adapter and utilityProcess jobs over the
// same services web mode and the CLI use. Nothing here is reached by the tests (Electron
// cannot run on our build machines), so it stays thin.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog } from 'electron'
import { createServices, type Services } from '../services'
import { defaultDataDir } from '../store'
import { NativeModuleError, nativeModuleStartupMessage, sqliteNativeBinding } from '../store/sqlite-native'
import { registerIpc } from './ipc-adapter'
import { createUtilitySpawner } from './utility-spawner'
import { openFileDialog } from './file-dialog'
import { safeStorageTokenCodec } from './token-codec'
import { isAppUrl } from './app-pages'
import { APP_ID } from './app-id'
import { registerAppScheme, serveAppScheme } from './app-scheme'
import { applySessionPolicy } from './session-policy'
import { createMainWindow, type WindowPlaces } from './window'
import { showTrainingProgressOnTaskbar } from './taskbar-progress'

/** Files beside the bundled main (out/main/index.js). */
function builtFile(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url))
}

function firstExisting(paths: string[]): string {
  return paths.find((path) => existsSync(path)) ?? paths[0]
}

const places: WindowPlaces = {
  // Sandboxed preloads must be CommonJS; electron.vite.config.ts emits index.cjs.
  preloadPath: firstExisting([builtFile('../preload/index.cjs'), builtFile('../preload/index.js')]),
  devServerUrl: process.env.ELECTRON_RENDERER_URL,
}
/** The built renderer, served as app://renderer/. */
const rendererDir = builtFile('../renderer')

// Privileged schemes can only be registered before the app is ready.
registerAppScheme()
// A run's end is told in a notification (renderer/src/notifications/end-watch.ts): Windows needs the id.
if (process.platform === 'win32') app.setAppUserModelId(APP_ID)

let services: Services | undefined

async function start(): Promise<void> {
  await app.whenReady()
  try {
    // better-sqlite3 must be built for this Electron's ABI: checked before the store is opened.
    sqliteNativeBinding()
  } catch (error) {
    if (!(error instanceof NativeModuleError)) throw error
    const { title, message } = nativeModuleStartupMessage(error, app.isPackaged)
    dialog.showErrorBox(title, message)
    app.exit(1)
    return
  }
  try {
    services = createServices({
      dataDir: defaultDataDir(),
      appVersion: app.getVersion(),
      spawner: createUtilitySpawner(firstExisting([builtFile('./job-worker.js'), builtFile('./job-worker.mjs')])),
      openFileDialog,
      // safeStorage answers only once the app is ready.
      hub: { tokenCodec: safeStorageTokenCodec() },
    })
  } catch (error) {
    // A database from a newer version, or a damaged one: say so and touch nothing.
    dialog.showErrorBox('Mixture Studio cannot open its data', (error as Error).message)
    app.exit(1)
    return
  }
  applySessionPolicy(places.devServerUrl)
  serveAppScheme(rendererDir)
  registerIpc(services, {
    isTrustedSender: (url) => isAppUrl(url, places.devServerUrl),
    targets: () => BrowserWindow.getAllWindows().map((window) => window.webContents),
  })
  createMainWindow(places)
  showTrainingProgressOnTaskbar(services)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow(places)
  })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

let closing = false
app.on('will-quit', (event) => {
  if (closing || !services) return
  // Stop running jobs and close the database before the process goes.
  event.preventDefault()
  closing = true
  void services.close().finally(() => app.quit())
})

void start()
