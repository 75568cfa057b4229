// A fresh run store in a temporary folder for every test of a file: registers the vitest hooks
// that open it before each test and close and remove it after.
import { afterEach, beforeEach } from 'vitest'
import { openStore, type Store } from '../../main/store'
import { makeTempDir } from './temp-dir'

export interface TempStore {
  readonly store: Store
  /** The data folder the store lives in. */
  readonly dir: string
}

export function useTempStore(): TempStore {
  let temp: ReturnType<typeof makeTempDir> | null = null
  let store: Store | null = null
  beforeEach(() => {
    temp = makeTempDir()
    store = openStore(temp.dir)
  })
  afterEach(() => {
    store?.close()
    temp?.remove()
    store = null
    temp = null
  })
  return {
    get store() {
      if (!store) throw new Error('the temporary store exists only inside a test')
      return store
    },
    get dir() {
      if (!temp) throw new Error('the temporary store exists only inside a test')
      return temp.dir
    },
  }
}
