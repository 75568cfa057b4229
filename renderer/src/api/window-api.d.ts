import type { Api } from '../../../main/contract'

declare global {
  interface Window {
    /** Exposed by preload/ in Electron; absent in a browser (web mode). */
    api?: Api
    /** Exposed by preload/ in Electron: a picked file's path on disk ('' when it has none). Absent in a browser, which never tells a page. */
    pickedFiles?: { pathOf(file: File): string }
  }
}

export {}
