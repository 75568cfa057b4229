import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake, ApiCallError } from './fake-api'
import { detail, preview, summary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useDatasetImportStore } = await import('../../renderer/src/stores/dataset-import')
const { useDatasetsStore } = await import('../../renderer/src/stores/datasets')

const FIRST = { id: 'a', name: 'Support answers', createdAt: '2025-01-01T10:00:00.000Z', samePath: true, sameContent: true }

describe('the import wizard and a file imported before', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('learns, on leaving the file step, which datasets came from the same file, and still moves on', async () => {
    const wizard = useDatasetImportStore()
    wizard.setPath(' /data/train.jsonl ')
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    fake.datasetsFindImported.mockResolvedValueOnce([FIRST])
    await wizard.next()
    expect(fake.datasetsFindImported).toHaveBeenCalledWith({ path: '/data/train.jsonl' })
    expect(wizard.importedAlready).toEqual([FIRST])
    expect(wizard.step).toBe('mapping')
  })

  it('forgets the finding when another file is chosen or the wizard starts over', async () => {
    const wizard = useDatasetImportStore()
    wizard.setPath('/data/train.jsonl')
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    fake.datasetsFindImported.mockResolvedValueOnce([FIRST])
    await wizard.next()
    wizard.setPath('/data/other.jsonl')
    expect(wizard.importedAlready).toEqual([])
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    fake.datasetsFindImported.mockResolvedValueOnce([FIRST])
    wizard.setPath('/data/train.jsonl')
    await wizard.next()
    wizard.reset()
    expect(wizard.importedAlready).toEqual([])
  })

  it('does not stop the import when the check fails', async () => {
    const wizard = useDatasetImportStore()
    wizard.setPath('/data/train.jsonl')
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    fake.datasetsFindImported.mockRejectedValueOnce(new ApiCallError('internal', 'database is locked'))
    await wizard.next()
    expect(wizard.importedAlready).toEqual([])
    expect(wizard.step).toBe('mapping')
  })
})

describe('renaming and deleting in the datasets store', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('shows the new name in the list and on the page, and keeps the old one when refused', async () => {
    const store = useDatasetsStore()
    fake.datasetsList.mockResolvedValueOnce([summary('a'), summary('b')])
    await store.load()
    fake.datasetsShow.mockResolvedValueOnce(detail('a'))
    await store.loadDetail('a')
    fake.datasetsRename.mockResolvedValueOnce(summary('a', { name: 'Greetings' }))
    expect(await store.rename('a', '  Greetings ')).toBe(true)
    expect(fake.datasetsRename).toHaveBeenCalledWith({ id: 'a', name: 'Greetings' })
    expect(store.datasets.map((d) => d.name)).toEqual(['Greetings', 'b.jsonl'])
    expect(store.details.a?.name).toBe('Greetings')

    fake.datasetsRename.mockRejectedValueOnce(new ApiCallError('invalid_input', 'name: a dataset needs a name'))
    expect(await store.rename('a', ' ')).toBe(false)
    expect(store.details.a?.name).toBe('Greetings')
    expect(store.changeError?.message).toContain('a dataset needs a name')
  })

  it('drops a deleted dataset and its separate validation file from the list', async () => {
    const store = useDatasetsStore()
    fake.datasetsList.mockResolvedValueOnce([summary('train', { validationDatasetId: 'val' }), summary('val'), summary('other')])
    await store.load()
    fake.datasetsDelete.mockResolvedValueOnce(summary('train'))
    expect(await store.remove('train')).toBe(true)
    expect(store.datasets.map((d) => d.id)).toEqual(['other'])
  })
})
