import { folderOf } from '../../../main/config/config-paths'

/**
 * The folder of a file the user picked with an <input type="file">: known in the desktop app
 * (the preload asks Electron), null in a browser, which tells a page a file's name, never its path.
 */
export function pickedFileFolder(file: File): string | null {
  const path = window.pickedFiles?.pathOf(file) ?? ''
  return path ? folderOf(path) : null
}
