import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { ModelDetail } from '../../main/contract'
import { fake, ApiCallError } from './fake-api'
import { modelSummary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useModelsStore } = await import('../../renderer/src/stores/models')

function modelDetail(id: string): ModelDetail {
  return {
    ...modelSummary(id), family: 'llama', layers: 24, decoderLayers: null, hiddenSize: 896, heads: 14, kvHeads: 2, headDim: 64,
    ffnSize: 4864, tiedEmbeddings: true, files: [{ path: `/models/${id}/model.safetensors`, size: 988_097_824 }], hasTokenizer: true, notes: [], quantizedCopies: [],
  }
}

describe('useModelsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('adds a folder, trimmed, keeps its details and reads the list again', async () => {
    const store = useModelsStore()
    fake.modelsImport.mockResolvedValueOnce(modelDetail('m1'))
    fake.modelsList.mockResolvedValueOnce([modelSummary('m1')])
    const added = await store.importFolder('  /models/m1 ', ' ')
    expect(fake.modelsImport).toHaveBeenCalledWith({ path: '/models/m1' })
    expect(added?.layers).toBe(24)
    expect(store.details.m1?.id).toBe('m1')
    expect(store.models.map((model) => model.id)).toEqual(['m1'])
    expect(store.importing).toBe(false)
  })

  it('shows why a folder was refused and adds nothing', async () => {
    const store = useModelsStore()
    fake.modelsImport.mockRejectedValueOnce(new ApiCallError('invalid_input', '/tmp/x: no config.json in the folder'))
    expect(await store.importFolder('/tmp/x', 'x')).toBeNull()
    expect(fake.modelsImport).toHaveBeenCalledWith({ path: '/tmp/x', name: 'x' })
    expect(store.importError?.message).toContain('no config.json')
    expect(fake.modelsList).not.toHaveBeenCalled()
  })

  it('removes a model from the list only when the server did', async () => {
    const store = useModelsStore()
    fake.modelsList.mockResolvedValueOnce([modelSummary('m1'), modelSummary('m2')])
    await store.load()
    fake.modelsRemove.mockRejectedValueOnce(new ApiCallError('not_found', 'no model with id m1'))
    expect(await store.remove('m1')).toBe(false)
    expect(store.models).toHaveLength(2)
    const copy = { scheme: 'int4' as const, dir: '/home/quantized/m1-int4-0123', bytes: 151_000_000, modifiedAt: '2026-12-06T08:52:00.000Z', current: true }
    fake.modelsRemove.mockResolvedValueOnce({ ...modelSummary('m1'), quantizedCopiesDeleted: [copy], quantizedCopiesKept: [] })
    expect(await store.remove('m1')).toBe(true)
    // What it deleted, for the page to say.
    expect(store.lastRemoved?.quantizedCopiesDeleted).toEqual([copy])
    expect(store.models.map((model) => model.id)).toEqual(['m2'])
    expect(store.removeError).toBeNull()
  })
})
