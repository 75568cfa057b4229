// hubDownload's work: fetches a model's files (only what training needs) or a dataset's data files
// from the Hub into the HF cache, resumable and verified (main/hub/download.ts), then registers a
// model in the catalog as modelsImport does. It runs in a `hub-download` job process (a download
// takes minutes, and its progress must reach the page); the CLI runs it in its own process.
import { z } from 'zod'
import { ApiCallError, HubDownloadInput, ModelSummary, type HubDownloadResult } from '../contract'
import { WorkStopped, type WorkContext } from '../jobs/work-context'
import type { HubConnection } from '../hub/hub-api'
import type { DownloadProgress } from '../hub/download'
import { downloadDatasetFiles } from '../hub/hub-datasets'
import { downloadModel as fetchModel } from '../hub/model-download'
import type { Store } from '../store'
import { hubApiError } from './hub-errors'
import { createModelHandlers } from './models'

/** What main passes the job (the token goes in its environment, never in its arguments). */
export const HubDownloadRequest = z.object({
  dataDir: z.string().min(1),
  endpoint: z.string().min(1),
  cacheDir: z.string().min(1),
  offline: z.boolean(),
  input: HubDownloadInput,
})
export type HubDownloadRequest = z.infer<typeof HubDownloadRequest>

/** How often a running download looks whether it was asked to stop. */
const STOP_POLL_MS = 100

export async function downloadFromHub(request: HubDownloadRequest, token: string | null, store: Store, work: WorkContext): Promise<HubDownloadResult> {
  const controller = new AbortController()
  const poll = setInterval(() => {
    if (work.stopRequested()) controller.abort()
  }, STOP_POLL_MS)
  const connection: HubConnection = { endpoint: request.endpoint, offline: request.offline, token, signal: controller.signal }
  try {
    return request.input.kind === 'model'
      ? await downloadModel(request, request.input, connection, store, work)
      : await downloadDataset(request, request.input, connection, work)
  } catch (error) {
    if (work.stopRequested()) throw new WorkStopped()
    throw hubApiError(error, token)
  } finally {
    clearInterval(poll)
  }
}

type ModelInput = Extract<HubDownloadRequest['input'], { kind: 'model' }>
type DatasetInput = Extract<HubDownloadRequest['input'], { kind: 'dataset' }>

async function downloadModel(request: HubDownloadRequest, input: ModelInput, connection: HubConnection, store: Store, work: WorkContext): Promise<HubDownloadResult> {
  work.progress(0, 0, `Listing the files of ${input.repo}`)
  const downloaded = await fetchModel({
    ...connection, cacheDir: request.cacheDir, repo: input.repo, revision: input.revision,
    onProgress: (progress) => reportProgress(work, progress),
  })
  if (work.stopRequested()) throw new WorkStopped()
  work.progress(1, 1, `Checking and adding ${input.repo}`)
  const model = await register(store, request.dataDir, downloaded.folder, input.name ?? input.repo)
  return { kind: 'model', repo: input.repo, revision: downloaded.commit, folder: downloaded.folder, model }
}

async function downloadDataset(request: HubDownloadRequest, input: DatasetInput, connection: HubConnection, work: WorkContext): Promise<HubDownloadResult> {
  work.progress(0, 0, `Listing the files of ${input.repo}`)
  const downloaded = await downloadDatasetFiles({
    connection: { ...connection, cacheDir: request.cacheDir }, repo: input.repo, revision: input.revision, files: input.files,
    onProgress: (progress) => reportProgress(work, progress),
  })
  return { kind: 'dataset', repo: input.repo, revision: downloaded.commit, files: downloaded.files }
}

function reportProgress(work: WorkContext, progress: DownloadProgress): void {
  if (work.stopRequested()) return
  work.progress(progress.bytes, progress.totalBytes, `Downloading ${progress.file}`, progress)
}

/** Registers the snapshot folder as modelsImport does (checked first); one registered already is answered as it is. */
async function register(store: Store, dataDir: string, folder: string, name: string): Promise<ModelSummary> {
  const handlers = createModelHandlers(store, dataDir)
  const existing = store.catalog.findModelByPath(folder)
  if (existing) return ModelSummary.parse(await handlers.modelsShow({ id: existing.id }))
  try {
    return ModelSummary.parse(await handlers.modelsImport({ path: folder, name }))
  } catch (error) {
    if (error instanceof ApiCallError && error.code === 'invalid_input') {
      throw new ApiCallError('invalid_input', `${name} was downloaded to ${folder}, but it cannot be added: ${error.message}`)
    }
    throw error
  }
}
