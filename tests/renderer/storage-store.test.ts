import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { StorageReport } from '../../main/contract'
import { isDiskLow, LOW_FREE_BYTES } from '../../renderer/src/components/storage/disk-space'
import { fake, ApiCallError } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useStorageStore } = await import('../../renderer/src/stores/storage')

function report(unused: number): StorageReport {
  return {
    dataDir: '/home/u/.local/share/mixture-studio', disk: { freeBytes: 70e9, totalBytes: 250e9 }, totalBytes: 5e6, parts: [], largestRuns: [], runFolders: 0,
    quantizedCopies: [], unusedCopies: { count: unused, bytes: unused * 1000 }, hubCache: { path: '/home/u/.cache/huggingface/hub', exists: false, bytes: 0, repos: [] },
  }
}

describe('useStorageStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('deletes the unused copies, keeps what the server answered, and reads the report again', async () => {
    const store = useStorageStore()
    fake.storageShow.mockResolvedValueOnce(report(2))
    await store.load()
    expect(store.report?.unusedCopies.count).toBe(2)
    const answer = { deleted: [{ dir: '/q/a', bytes: 1000 }], kept: [{ dir: '/q/b', bytes: 1000, why: 'run "busy" (r1) is training on it' }], freedBytes: 1000 }
    fake.storageDeleteCopies.mockResolvedValueOnce(answer)
    fake.storageShow.mockResolvedValueOnce(report(1))
    await store.deleteCopies('unused')
    expect(fake.storageDeleteCopies).toHaveBeenCalledWith({ dirs: 'unused' })
    expect(store.lastDeleted).toEqual(answer)
    expect(store.report?.unusedCopies.count).toBe(1)
    expect(store.deleting).toBe(false)
    // A Refresh by hand forgets what the deletion said.
    store.clearNotices()
    expect(store.lastDeleted).toBeNull()
  })

  it('deletes a Hub cache repo, or says why the service refused it, and reads the report again', async () => {
    const store = useStorageStore()
    fake.storageDeleteHubRepo.mockResolvedValueOnce({ folder: '/hf/models--org--old', repo: 'org/old', bytes: 3000 })
    fake.storageShow.mockResolvedValue(report(0))
    await store.deleteHubRepo('/hf/models--org--old')
    expect(fake.storageDeleteHubRepo).toHaveBeenCalledWith({ folder: '/hf/models--org--old' })
    expect(store.lastHubDeleted?.repo).toBe('org/old')
    fake.storageDeleteHubRepo.mockRejectedValueOnce(new ApiCallError('conflict', 'org/kept stays in the Hugging Face cache: model "kept" (m1) lies inside it'))
    await store.deleteHubRepo('/hf/models--org--kept')
    expect(store.hubDeleteError?.message).toContain('lies inside it')
    expect(store.lastHubDeleted).toBeNull()
    expect(fake.storageShow).toHaveBeenCalledTimes(2)
  })

  it('says why a deletion was refused, and still reads the folder again', async () => {
    const store = useStorageStore()
    fake.storageDeleteCopies.mockRejectedValueOnce(new ApiCallError('invalid_input', '/tmp/x is not a quantized copy in /home/quantized; nothing was deleted'))
    fake.storageShow.mockResolvedValueOnce(report(0))
    await store.deleteCopies(['/tmp/x'])
    expect(store.deleteError?.message).toContain('nothing was deleted')
    expect(store.lastDeleted).toBeNull()
    expect(store.report).not.toBeNull()
  })

  it('warns of a nearly full disk under 5 GiB free, not above', () => {
    expect(isDiskLow(null)).toBe(false)
    expect(isDiskLow({ freeBytes: LOW_FREE_BYTES - 1 })).toBe(true)
    expect(isDiskLow({ freeBytes: LOW_FREE_BYTES })).toBe(false)
    expect(LOW_FREE_BYTES).toBe(5 * 1024 ** 3)
  })
})
