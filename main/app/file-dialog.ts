import { BrowserWindow, dialog } from 'electron'
import type { CallOutput, CallParsedInput } from '../contract'

/** The contract's dialogOpenFile as Electron's native picker, attached to the window that asked. */
export async function openFileDialog(input: CallParsedInput<'dialogOpenFile'>): Promise<CallOutput<'dialogOpenFile'>> {
  const options: Electron.OpenDialogOptions = {
    title: input.title,
    properties: [input.directory ? 'openDirectory' : 'openFile'],
    filters: input.filters.length ? [...input.filters, { name: 'All files', extensions: ['*'] }] : undefined,
  }
  const window = BrowserWindow.getFocusedWindow()
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
  return { path: result.canceled ? null : result.filePaths[0] ?? null }
}
