import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake, ApiCallError } from './fake-api'
import { detail, summary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useDatasetsStore } = await import('../../renderer/src/stores/datasets')

describe('useDatasetsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('tells "not asked yet" from "none", and keeps the list when a refresh fails', async () => {
    const store = useDatasetsStore()
    expect(store.loaded).toBe(false)
    fake.datasetsList.mockResolvedValueOnce([summary('a')])
    await store.load()
    expect(store.loaded).toBe(true)
    fake.datasetsList.mockRejectedValueOnce(new ApiCallError('internal', 'database is locked'))
    await store.load()
    expect(store.datasets.map((dataset) => dataset.id)).toEqual(['a'])
    expect(store.loadError?.message).toBe('database is locked')
  })

  it('knows which dataset is the separate validation file of which', async () => {
    const store = useDatasetsStore()
    fake.datasetsList.mockResolvedValueOnce([summary('train', { validationDatasetId: 'val' }), summary('val')])
    await store.load()
    expect(store.validationOf.val?.id).toBe('train')
    expect(store.validationOf.train).toBeUndefined()
  })

  it('loads a dataset\'s details and reports an unknown one', async () => {
    const store = useDatasetsStore()
    fake.datasetsShow.mockResolvedValueOnce(detail('a'))
    expect((await store.loadDetail('a'))?.report.counts.skipped).toBe(1)
    expect(store.details.a?.id).toBe('a')
    fake.datasetsShow.mockRejectedValueOnce(new ApiCallError('not_found', 'There is no dataset zzz'))
    expect(await store.loadDetail('zzz')).toBeNull()
    expect(store.detailError?.code).toBe('not_found')
    expect(store.detailLoading).toBe(false)
  })
})
