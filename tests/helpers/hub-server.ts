// The local Hub for tests: main/bench/local-hub.ts (a real node:http server on 127.0.0.1, with an
// LFS "CDN" on a second origin) with the repo routes, plus any route files a test adds (search,
// dataset listing). Tiny generated models are served as repos; knobs cut, corrupt and count.
//
//   const hub = await startHubServer()               // or startHubServer({ routes: [...searchRoutes] })
//   const repo = await hub.addTinyModel('org/tiny', 'llama')
//   hub.requests.length                               // every request seen, both origins
//   await hub.close()
import { join } from 'node:path'
import { startLocalHub, type AddRepoOptions, type HubRoute, type LocalHub, type LocalHubRepo } from '../../main/bench/local-hub'
import { modelRoutes } from '../../main/bench/local-hub-model-routes'
import { makeTempDir } from './temp-dir'
import { writeTinyModel, type TinyArch, type TinyModel, type TinyModelOptions } from './tiny-models'

export type { AddRepoOptions, HubRequest, HubRoute, LocalHub, LocalHubFile, LocalHubRepo, LoggedRequest } from '../../main/bench/local-hub'
export { sendFile, sendJson } from '../../main/bench/local-hub'

export interface HubServer extends LocalHub {
  /** Writes a tiny model of `arch` and serves it as model repo `id`; `repo` options as addRepo's. */
  addTinyModel(id: string, arch: TinyArch, options?: TinyModelOptions & { repo?: Omit<AddRepoOptions, 'id' | 'dir' | 'kind'>; editFolder?: (dir: string) => void }): Promise<{ repo: LocalHubRepo; model: TinyModel }>
  /** A scratch folder removed on close (for repos a test writes itself). */
  readonly scratch: string
}

export async function startHubServer(options: { routes?: HubRoute[] } = {}): Promise<HubServer> {
  const hub = await startLocalHub([...modelRoutes, ...(options.routes ?? [])])
  const temp = makeTempDir('mixture-studio-hub-')
  let counter = 0
  const close = hub.close.bind(hub)
  return Object.assign(hub, {
    scratch: temp.dir,
    async addTinyModel(id: string, arch: TinyArch, opts: TinyModelOptions & { repo?: Omit<AddRepoOptions, 'id' | 'dir' | 'kind'>; editFolder?: (dir: string) => void } = {}) {
      const dir = join(temp.dir, `repo-${counter++}`)
      const model = writeTinyModel(dir, arch, opts)
      opts.editFolder?.(dir)
      const repo = await hub.addRepo({ ...opts.repo, id, dir, info: { config: model.config, ...opts.repo?.info } })
      return { repo, model }
    },
    async close() {
      await close()
      temp.remove()
    },
  })
}
