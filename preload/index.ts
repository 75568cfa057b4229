// The renderer's only door to main: one function per contract call and one onXxx per event,
// built from the plain name lists (no zod, no ipcRenderer in the page). A failed call
// rejects with an Error whose message carries the ApiError (contextBridge keeps only the
// message); the renderer's api layer turns it back with reviveApiCallError.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import type { Api, ApiError } from '../main/contract'
import { bridgeErrorMessage } from '../main/contract/api-call-error'
import { callChannel, callNames, eventChannel, eventNames } from '../main/contract/names'

type CallResult = { ok: true; data: unknown } | { ok: false; error: ApiError }

const api: Record<string, unknown> = {}

for (const name of callNames) {
  api[name] = async (input: unknown = {}) => {
    const result = (await ipcRenderer.invoke(callChannel(name), input)) as CallResult
    if (result.ok) return result.data
    throw new Error(bridgeErrorMessage(result.error))
  }
}

for (const name of eventNames) {
  api[name] = (listener: (payload: unknown) => void) => {
    // Only the payload crosses over: the page never sees the IpcRendererEvent.
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload)
    ipcRenderer.on(eventChannel(name), handler)
    return () => {
      ipcRenderer.removeListener(eventChannel(name), handler)
    }
  }
}

contextBridge.exposeInMainWorld('api', api as Api)

// Where a file the user picked in the page lies on disk: Electron no longer puts it on File (path
// was removed in Electron 32), and Load YAML needs the file's folder to resolve its relative paths.
contextBridge.exposeInMainWorld('pickedFiles', { pathOf: (file: File): string => webUtils.getPathForFile(file) })
