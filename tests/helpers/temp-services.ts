// The app's services over a fresh data folder for a test file: registers the vitest hooks that
// create them in a temporary folder before the file's tests and close and remove them after.
// Files the tests write (models, datasets) go beside the data folder, in `dir`.
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { createServices, type Services } from '../../main/services'
import { makeTempDir } from './temp-dir'

export interface TempServices {
  readonly services: Services
  /** The temporary folder: the data folder is its `home`; tests put their own files here. */
  readonly dir: string
  /** The services' data folder (store, runs). */
  readonly dataDir: string
}

export function useTempServices(prefix?: string): TempServices {
  let temp: ReturnType<typeof makeTempDir> | null = null
  let services: Services | null = null
  beforeAll(() => {
    temp = makeTempDir(prefix)
    services = createServices({ dataDir: join(temp.dir, 'home') })
  })
  afterAll(async () => {
    await services?.close()
    temp?.remove()
    services = null
    temp = null
  })
  const live = () => {
    if (!temp || !services) throw new Error('the temporary services exist only while the file\'s tests run')
    return { temp, services }
  }
  return {
    get services() {
      return live().services
    },
    get dir() {
      return live().temp.dir
    },
    get dataDir() {
      return join(live().temp.dir, 'home')
    },
  }
}
