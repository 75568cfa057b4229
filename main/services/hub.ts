// The Hub tabs' use cases: search, the curated first-run list, a model's files before its download,
// the models already in the HF cache, a dataset repo's files, the token, and the download itself
// (a `hub-download` job in the app and web mode, the CLI's own process otherwise). Where the Hub is
// and where files go come from the environment once (HF_ENDPOINT, HF_HUB_OFFLINE, HF_HUB_CACHE,
// HF_HOME), as the Python client reads them.
import { ApiCallError, HubDownloadResult, type CallOutput, type CallParsedInput } from '../contract'
import { unwatchedWork } from '../jobs/work-context'
import type { HubConnection } from '../hub/hub-api'
import { findCachedModels } from '../hub/hub-cache'
import { hubSettings, type HubEnv } from '../hub/hub-config'
import { hubDatasetFiles } from '../hub/hub-datasets'
import { curatedHubModels, hubModelDetail, searchHubModels } from '../hub/search'
import { createTokenStore, redactToken, type TokenCodec } from '../hub/token-store'
import type { Store } from '../store'
import { hubApiError } from './hub-errors'
import { downloadFromHub, HubDownloadRequest } from './hub-download-work'
import type { WorkPlace } from './work-place'

export interface HubServiceOptions {
  /** Where HF_ENDPOINT, HF_HUB_OFFLINE, HF_HUB_CACHE, HF_HOME and HF_TOKEN are read (default process.env). */
  env?: HubEnv
  /** The desktop app's safeStorage: the token is then kept encrypted (main/app/token-codec.ts). */
  tokenCodec?: TokenCodec
}

export function createHubHandlers(store: Store, dataDir: string, longWork: WorkPlace, options: HubServiceOptions = {}) {
  const env = options.env ?? process.env
  const settings = hubSettings(env)
  const tokens = createTokenStore({ dataDir, env, ...(options.tokenCodec ? { codec: options.tokenCodec } : {}) })

  /** The token is read at each call: Settings may have changed it since. */
  const connection = (): HubConnection => ({ endpoint: settings.endpoint, offline: settings.offline, cacheDir: settings.cacheDir, token: tokens.get() })

  /** Runs a Hub call; its HubError becomes the ApiError the page acts on, the token redacted. */
  async function ask<T>(call: (hub: HubConnection) => Promise<T>): Promise<T> {
    const hub = connection()
    try {
      return await call(hub)
    } catch (error) {
      throw hubApiError(error, hub.token ?? null)
    }
  }

  const tokenStatus = (): CallOutput<'hubTokenStatus'> => ({ ...tokens.status(), endpoint: settings.endpoint, cacheDir: settings.cacheDir, offline: settings.offline })

  return {
    async hubSearchModels({ query, limit }: CallParsedInput<'hubSearchModels'>): Promise<CallOutput<'hubSearchModels'>> {
      return ask((hub) => searchHubModels(hub, { query, limit }))
    },
    async hubCuratedModels(): Promise<CallOutput<'hubCuratedModels'>> {
      return ask((hub) => curatedHubModels(hub))
    },
    async hubModelInfo({ repo, revision }: CallParsedInput<'hubModelInfo'>): Promise<CallOutput<'hubModelInfo'>> {
      return ask((hub) => hubModelDetail(hub, repo, { revision }))
    },
    async hubCachedModels(): Promise<CallOutput<'hubCachedModels'>> {
      return findCachedModels(settings.cacheDir).map((model) => ({
        repo: model.repo, revision: model.commit, path: model.path, sizeBytes: model.sizeBytes,
        registeredModelId: store.catalog.findModelByPath(model.path)?.id ?? null,
      }))
    },
    async hubDatasetFiles({ repo, revision }: CallParsedInput<'hubDatasetFiles'>): Promise<CallOutput<'hubDatasetFiles'>> {
      return ask((hub) => hubDatasetFiles(hub, repo, revision))
    },
    async hubTokenStatus(): Promise<CallOutput<'hubTokenStatus'>> {
      return tokenStatus()
    },
    async hubSetToken({ token }: CallParsedInput<'hubSetToken'>): Promise<CallOutput<'hubSetToken'>> {
      try {
        tokens.set(token)
      } catch (error) {
        // The store's refusals say what was wrong and never echo the token; redacted all the same.
        throw new ApiCallError('invalid_input', redactToken(error instanceof Error ? error.message : String(error), token))
      }
      return tokenStatus()
    },
    async hubDownload(input: CallParsedInput<'hubDownload'>): Promise<CallOutput<'hubDownload'>> {
      const request: HubDownloadRequest = { dataDir, endpoint: settings.endpoint, cacheDir: settings.cacheDir, offline: settings.offline, input }
      const token = tokens.get()
      return longWork.run<HubDownloadResult>(
        {
          kind: 'hub-download',
          request,
          result: HubDownloadResult,
          stopped: 'The download was stopped. Its part files are kept: the next download of it continues where this one stopped.',
          what: 'The download',
          // The job's own HF_TOKEN: the token in effect here (stored or inherited), or none at all.
          env: { HF_TOKEN: token ?? '', HUGGING_FACE_HUB_TOKEN: '' },
        },
        () => downloadFromHub(request, token, store, unwatchedWork),
      )
    },
  }
}
