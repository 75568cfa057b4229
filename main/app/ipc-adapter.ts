import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { callNames, callChannel, eventChannel, eventNames } from '../contract/names'
import { dispatchCall, type CallResult, type Services } from '../services'

/**
 * Electron's transport for the contract: one `ipcMain.handle` per call, answering
 * {ok: true, data} | {ok: false, error: ApiError} (preload turns the latter into a throw),
 * and every event sent to the app's windows. Inputs are validated here, on the main side.
 */
export function registerIpc(
  services: Services,
  options: { isTrustedSender(url: string): boolean; targets(): WebContents[] },
): () => void {
  for (const name of callNames) {
    ipcMain.handle(callChannel(name), async (event: IpcMainInvokeEvent, input: unknown): Promise<CallResult> => {
      const url = event.senderFrame?.url ?? ''
      if (!options.isTrustedSender(url)) {
        return { ok: false, error: { code: 'forbidden', message: `Calls from ${url || 'an unknown frame'} are not allowed.` } }
      }
      return dispatchCall(services, name, input)
    })
  }
  const unsubscribes = eventNames.map((name) =>
    services.subscribe(name, (payload) => {
      for (const contents of options.targets()) {
        if (!contents.isDestroyed()) contents.send(eventChannel(name), payload)
      }
    }),
  )
  return () => {
    for (const name of callNames) ipcMain.removeHandler(callChannel(name))
    unsubscribes.forEach((unsubscribe) => unsubscribe())
  }
}
