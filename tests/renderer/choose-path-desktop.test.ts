// choosePath in the desktop app: Electron's native picker answers, asked for a folder or for files
// of the extensions given; the in-page browser never opens.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fake } from './fake-api'

vi.mock('../../renderer/src/api', async () => ({ ...(await import('./fake-api')), transport: 'electron' }))

const { choosePath, usePathBrowserStore } = await import('../../renderer/src/stores/path-browser')

describe('choosePath in the desktop app', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('asks the native picker for a folder, or for files with a named filter, and answers its path or null', async () => {
    fake.dialogOpenFile.mockResolvedValueOnce({ path: '/models/tiny' })
    expect(await choosePath({ title: 'Choose a Hugging Face model folder', kind: 'folder' })).toBe('/models/tiny')
    expect(fake.dialogOpenFile).toHaveBeenLastCalledWith({ title: 'Choose a Hugging Face model folder', directory: true, filters: [] })
    fake.dialogOpenFile.mockResolvedValueOnce({ path: null })
    expect(await choosePath({ title: 'Choose a data file', kind: 'file', extensions: ['jsonl', 'csv'], filterName: 'data files' })).toBeNull()
    expect(fake.dialogOpenFile).toHaveBeenLastCalledWith({ title: 'Choose a data file', directory: false, filters: [{ name: 'data files', extensions: ['jsonl', 'csv'] }] })
    expect(usePathBrowserStore().request).toBeNull()
    expect(fake.filesList).not.toHaveBeenCalled()
  })
})
