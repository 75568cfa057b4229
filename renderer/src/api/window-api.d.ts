import type { Api } from '../../../main/contract'

declare global {
  interface Window {
    /** Exposed by preload/ in Electron; absent in a browser (web mode). */
    api?: Api
  }
}

export {}
