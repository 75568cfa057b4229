// @vitest-environment happy-dom
// Load YAML in web mode: the file is chosen in the server's folders and read by the server, so its
// relative paths start from its folder there, which a browser's file input never tells the page.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiCallError, fake } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: YamlButtons } = await import('../../renderer/src/components/new-run/YamlButtons.vue')
const { usePathBrowserStore } = await import('../../renderer/src/stores/path-browser')
const { useNewRunStore } = await import('../../renderer/src/stores/new-run')

/** Clicks Load YAML and chooses `path` in the in-page browser, as a user would. */
async function loadThrough(path: string): Promise<void> {
  const buttons = mount(YamlButtons)
  await buttons.get('[data-testid=yaml-load]').trigger('click')
  await flushPromises()
  const browser = usePathBrowserStore()
  expect(browser.request).toMatchObject({ kind: 'file', extensions: ['yaml', 'yml', 'json'] })
  browser.typed = path
  browser.choose()
  await flushPromises()
}

describe('Load YAML in web mode', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    fake.filesList.mockRejectedValue(new ApiCallError('not_found', 'not listed in this test'))
  })

  it('reads the chosen file on the server and resolves its relative paths against its folder', async () => {
    fake.filesReadConfig.mockResolvedValueOnce({
      path: '/home/ada/runs/run.yaml', name: 'run.yaml', folder: '/home/ada/runs',
      text: 'model: ../models/tiny\ndata: { train: train.jsonl }\nadapter: { method: lora }\n',
    })
    await loadThrough('/home/ada/runs/run.yaml')
    expect(fake.filesReadConfig).toHaveBeenCalledWith({ path: '/home/ada/runs/run.yaml' })
    const store = useNewRunStore()
    expect(store.loadProblems).toEqual([])
    expect(store.draft.model).toBe('/home/ada/models/tiny')
    expect(store.draft.data.train).toBe('/home/ada/runs/train.jsonl')
  })

  it('shows the server\'s refusal where the form shows a file that does not load', async () => {
    fake.filesReadConfig.mockRejectedValueOnce(new ApiCallError('invalid_input', '/home/ada/data/train.jsonl is not a run configuration: Load YAML reads .yaml, .yml and .json files.'))
    await loadThrough('/home/ada/data/train.jsonl')
    const store = useNewRunStore()
    expect(store.loadProblemsTitle).toBe('/home/ada/data/train.jsonl could not be loaded')
    expect(store.loadProblems).toEqual(['/home/ada/data/train.jsonl is not a run configuration: Load YAML reads .yaml, .yml and .json files.'])
  })
})
