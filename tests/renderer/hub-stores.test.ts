// The Hub tabs' stores on the fake api: search drops answers that come back out of order, a
// download shows its job's bytes, rate and ETA and registers the model, a Stop says it stopped
// (not failed), a cached model is registered through modelsImport, a dataset's files are grouped
// by split and the downloaded one fills the import wizard, and the token is set and cleared
// without ever being read back.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { HubDatasetFiles, HubDownloadResult, HubModelSummary, HubTokenStatus } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { modelSummary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useHubModelsStore } = await import('../../renderer/src/stores/hub-models')
const { useHubDatasetsStore, filesBySplit } = await import('../../renderer/src/stores/hub-datasets')
const { useHubTokenStore } = await import('../../renderer/src/stores/hub-token')
const { useDatasetImportStore } = await import('../../renderer/src/stores/dataset-import')
const { useModelsStore } = await import('../../renderer/src/stores/models')

function hubModel(repo: string, overrides: Partial<HubModelSummary> = {}): HubModelSummary {
  return {
    repo, architecture: 'LlamaForCausalLM', modelType: 'llama', parameterCount: 134_515_008, sizeBytes: 269_060_552, license: 'apache-2.0',
    downloads: 1200, gated: false, acceptUrl: null, hasSafetensors: true, ...overrides,
  }
}

/** A call held until the test answers it, or until its job is cancelled (answered `conflict`, as the service does). */
function heldDownload() {
  let settle!: { resolve: (value: HubDownloadResult) => void; reject: (error: unknown) => void }
  const promise = new Promise<HubDownloadResult>((resolve, reject) => (settle = { resolve, reject }))
  fake.hubDownload.mockReturnValueOnce(promise)
  fake.jobsCancel.mockImplementation(async ({ jobId }) => {
    settle.reject(new ApiCallError('conflict', 'The download was stopped; its part files are kept and the next download resumes them'))
    return { id: jobId, kind: 'hub-download', state: 'cancelled', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.000Z', error: null }
  })
  return { answer: (value: HubDownloadResult) => settle.resolve(value) }
}

function startedJob(jobId: string): void {
  fake.emit({ type: 'started', jobId, kind: 'hub-download', pid: 42 })
}

describe('useHubModelsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('keeps the results of the newest search when an older one answers last', async () => {
    const store = useHubModelsStore()
    let answerOld!: (value: HubModelSummary[]) => void
    fake.hubSearchModels.mockReturnValueOnce(new Promise((resolve) => (answerOld = resolve)))
    fake.hubSearchModels.mockResolvedValueOnce([hubModel('Qwen/Qwen3-0.6B', { modelType: 'qwen3' })])
    const old = store.search('smol')
    await store.search('  qwen ')
    answerOld([hubModel('HuggingFaceTB/SmolLM2-135M-Instruct')])
    await old
    expect(fake.hubSearchModels).toHaveBeenLastCalledWith({ query: 'qwen' })
    expect(store.results.map((model) => model.repo)).toEqual(['Qwen/Qwen3-0.6B'])
    expect(store.searching).toBe(false)
  })

  it('goes back to the curated list on an empty query, asking nothing', async () => {
    const store = useHubModelsStore()
    fake.hubSearchModels.mockResolvedValueOnce([hubModel('a/b')])
    await store.search('b')
    await store.search('   ')
    expect(fake.hubSearchModels).toHaveBeenCalledTimes(1)
    expect(store.query).toBe('')
    expect(store.results).toEqual([])
  })

  it('says why a search failed (no network) and shows no stale results', async () => {
    const store = useHubModelsStore()
    fake.hubSearchModels.mockResolvedValueOnce([hubModel('a/b')])
    await store.search('b')
    fake.hubSearchModels.mockRejectedValueOnce(new ApiCallError('conflict', 'Could not reach the Hub at http://127.0.0.1:9: check your connection'))
    await store.search('c')
    expect(store.results).toEqual([])
    expect(store.searchError?.message).toContain('Could not reach the Hub')
  })

  it('shows a download\'s bytes, rate and ETA, then registers the model and reads the lists again', async () => {
    const store = useHubModelsStore()
    const held = heldDownload()
    fake.modelsList.mockResolvedValue([modelSummary('m1')])
    fake.hubCachedModels.mockResolvedValue([])
    const downloading = store.downloadModel('HuggingFaceTB/SmolLM2-135M-Instruct')
    expect(store.downloading).toBe(true)
    expect(store.downloadingRepo).toBe('HuggingFaceTB/SmolLM2-135M-Instruct')
    startedJob('j1')
    const transfer = { file: 'model.safetensors', bytes: 1_000_000, totalBytes: 4_000_000, bytesPerSecond: 500_000, etaSeconds: 6 }
    fake.emit({ type: 'progress', jobId: 'j1', done: 1_000_000, total: 4_000_000, label: 'model.safetensors', transfer })
    expect(store.transfer).toEqual(transfer)
    held.answer({ kind: 'model', repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: 'abc', folder: '/cache/snap', model: modelSummary('m1') })
    await downloading
    expect(fake.hubDownload).toHaveBeenCalledWith({ kind: 'model', repo: 'HuggingFaceTB/SmolLM2-135M-Instruct' })
    expect(store.downloaded?.model.id).toBe('m1')
    expect(useModelsStore().models.map((model) => model.id)).toEqual(['m1'])
    expect(fake.hubCachedModels).toHaveBeenCalled()
    expect(store.downloading).toBe(false)
    expect(store.downloadingRepo).toBeNull()
  })

  it('says a stopped download stopped, not that it failed', async () => {
    const store = useHubModelsStore()
    heldDownload()
    const downloading = store.downloadModel('a/b')
    startedJob('j2')
    fake.emit({ type: 'progress', jobId: 'j2', done: 10, total: 100, label: 'model.safetensors' })
    await store.stopDownload()
    expect(await downloading).toBeNull()
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'j2' })
    expect(store.downloadStopped).toBe(true)
    expect(store.downloadError).toBeNull()
    expect(store.downloaded).toBeNull()
  })

  it('keeps a gated refusal as the error, with its message', async () => {
    const store = useHubModelsStore()
    fake.hubDownload.mockRejectedValueOnce(new ApiCallError('forbidden', 'meta-llama/Llama-3.2-1B-Instruct is gated: accept its conditions at http://hub/meta-llama/Llama-3.2-1B-Instruct'))
    expect(await store.downloadModel('meta-llama/Llama-3.2-1B-Instruct')).toBeNull()
    expect(store.downloadError?.code).toBe('forbidden')
    expect(store.downloadStopped).toBe(false)
  })

  it('registers a cached model through modelsImport under its repo name, and says why one was refused', async () => {
    const store = useHubModelsStore()
    const cachedModel = { repo: 'a/b', revision: 'abc', path: '/cache/models--a--b/snapshots/abc', sizeBytes: 10, registeredModelId: null }
    fake.modelsImport.mockRejectedValueOnce(new ApiCallError('invalid_input', '/cache/models--a--b/snapshots/abc: no tokenizer.json'))
    expect(await store.register(cachedModel)).toBe(false)
    expect(store.registerError?.message).toContain('no tokenizer.json')
    expect(store.registering).toBeNull()

    fake.modelsImport.mockResolvedValueOnce({ ...modelSummary('m9'), family: 'llama', layers: 1, decoderLayers: null, hiddenSize: 8, heads: 1, kvHeads: 1, headDim: 8, ffnSize: 8, tiedEmbeddings: true, files: [], hasTokenizer: true, notes: [], quantizedCopies: [] })
    fake.modelsList.mockResolvedValueOnce([modelSummary('m9')])
    fake.hubCachedModels.mockResolvedValueOnce([{ ...cachedModel, registeredModelId: 'm9' }])
    expect(await store.register(cachedModel)).toBe(true)
    expect(fake.modelsImport).toHaveBeenLastCalledWith({ path: cachedModel.path, name: 'a/b' })
    expect(store.cached[0]?.registeredModelId).toBe('m9')
    expect(store.registerError).toBeNull()
  })

  it('drops a model detail that answers after another model was chosen', async () => {
    const store = useHubModelsStore()
    let answerFirst!: (value: never) => void
    fake.hubModelInfo.mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
    const second = { ...hubModel('c/d'), revision: 'r', files: [{ path: 'model.safetensors', size: 5 }], totalBytes: 5, skipped: [], problem: null, cachedPath: null }
    fake.hubModelInfo.mockResolvedValueOnce(second)
    const first = store.select('a/b')
    await store.select('c/d')
    answerFirst({ ...second, repo: 'a/b' } as never)
    await first
    expect(store.selectedRepo).toBe('c/d')
    expect(store.detail?.repo).toBe('c/d')
    expect(store.detailLoading).toBe(false)
  })
})

describe('useHubDatasetsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  const listing: HubDatasetFiles = {
    repo: 'tatsu-lab/alpaca', revision: 'abc', gated: false, acceptUrl: null,
    files: [
      { path: 'data/test-00000-of-00001.parquet', size: 10, split: 'test' },
      { path: 'README-data.csv', size: 3, split: null },
      { path: 'data/train-00001-of-00002.parquet', size: 20, split: 'train' },
      { path: 'data/train-00000-of-00002.parquet', size: 20, split: 'train' },
      { path: 'extra/holdout.jsonl', size: 5, split: 'holdout' },
      { path: 'data/validation-00000-of-00001.parquet', size: 8, split: 'validation' },
    ],
  }

  it('groups files by split: train, validation, test, other splits, then files of no split', () => {
    expect(filesBySplit(listing.files).map((group) => [group.split, group.files.map((file) => file.path)])).toEqual([
      ['train', ['data/train-00000-of-00002.parquet', 'data/train-00001-of-00002.parquet']],
      ['validation', ['data/validation-00000-of-00001.parquet']],
      ['test', ['data/test-00000-of-00001.parquet']],
      ['holdout', ['extra/holdout.jsonl']],
      ['(no split named)', ['README-data.csv']],
    ])
  })

  it('chooses the first training file, downloads it and fills the import wizard with its local path', async () => {
    const store = useHubDatasetsStore()
    fake.hubDatasetFiles.mockResolvedValueOnce(listing)
    await store.browse(' tatsu-lab/alpaca ')
    expect(fake.hubDatasetFiles).toHaveBeenCalledWith({ repo: 'tatsu-lab/alpaca' })
    expect(store.chosen).toBe('data/train-00000-of-00002.parquet')
    const local = '/cache/datasets--tatsu-lab--alpaca/snapshots/abc/data/train-00000-of-00002.parquet'
    fake.hubDownload.mockResolvedValueOnce({ kind: 'dataset', repo: 'tatsu-lab/alpaca', revision: 'abc', files: [{ path: 'data/train-00000-of-00002.parquet', localPath: local, split: 'train' }] })
    fake.datasetsPreview.mockResolvedValue({} as never)
    expect(await store.downloadChosen()).toBe(local)
    expect(fake.hubDownload).toHaveBeenCalledWith({ kind: 'dataset', repo: 'tatsu-lab/alpaca', revision: 'abc', files: ['data/train-00000-of-00002.parquet'] })
    const wizard = useDatasetImportStore()
    expect(wizard.path).toBe(local)
    expect(wizard.name).toBe('alpaca-train')
    expect(wizard.step).toBe('file')
  })

  it('says why a repo could not be listed and downloads nothing', async () => {
    const store = useHubDatasetsStore()
    fake.hubDatasetFiles.mockRejectedValueOnce(new ApiCallError('not_found', 'There is no dataset nobody/nothing on http://hub'))
    await store.browse('nobody/nothing')
    expect(store.loadError?.code).toBe('not_found')
    expect(await store.downloadChosen()).toBeNull()
    expect(fake.hubDownload).not.toHaveBeenCalled()
  })
})

describe('useHubTokenStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  const status = (set: boolean): HubTokenStatus => ({
    set, source: set ? 'stored' : null, storage: 'file', file: '/data/hub-token', endpoint: 'https://huggingface.co', cacheDir: '/home/u/.cache/huggingface/hub', offline: false,
  })

  it('sets a trimmed token and clears it, keeping only the status', async () => {
    const store = useHubTokenStore()
    fake.hubSetToken.mockResolvedValueOnce(status(true))
    expect(await store.setToken('  hf_abc  ')).toBe(true)
    expect(fake.hubSetToken).toHaveBeenLastCalledWith({ token: 'hf_abc' })
    expect(store.status?.set).toBe(true)
    expect(JSON.stringify(store.$state)).not.toContain('hf_abc')
    fake.hubSetToken.mockResolvedValueOnce(status(false))
    expect(await store.setToken(null)).toBe(true)
    expect(fake.hubSetToken).toHaveBeenLastCalledWith({ token: null })
    expect(store.status?.set).toBe(false)
  })

  it('keeps the old status when the server refused the token', async () => {
    const store = useHubTokenStore()
    fake.hubTokenStatus.mockResolvedValueOnce(status(false))
    await store.load()
    fake.hubSetToken.mockRejectedValueOnce(new ApiCallError('invalid_input', 'a token has no spaces'))
    expect(await store.setToken('a b')).toBe(false)
    expect(store.saveError?.message).toContain('no spaces')
    expect(store.status?.set).toBe(false)
  })
})
