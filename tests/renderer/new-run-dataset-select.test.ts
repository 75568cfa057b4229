// @vitest-environment happy-dom
// New run's Dataset select shows an imported dataset only while the run's data.train is that
// dataset's file: a YAML loaded with another path (or a path typed) leaves it empty, where it
// used to keep showing the dataset chosen before while the run trained on another file.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { fake } from './fake-api'
import { detail, summary } from './dataset-fixtures'
import { mountSourceSection, selectByTestId } from './source-section-mount'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useNewRunStore } = await import('../../renderer/src/stores/new-run')

let wrapper: VueWrapper | null = null

async function mountSource(): Promise<VueWrapper> {
  wrapper = await mountSourceSection()
  return wrapper
}

function datasetSelect(page: VueWrapper) {
  return selectByTestId(page, 'dataset-select')
}

const yaml = (train: string) => `model: /models/tiny\ndata:\n  train: ${train}\nadapter:\n  method: lora\n  rank: 2\n`

describe('New run Dataset select', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    fake.modelsList.mockResolvedValue([])
    fake.datasetsList.mockResolvedValue([summary('q'), summary('other')])
    fake.datasetsShow.mockImplementation(async ({ id }) => detail(id))
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
  })

  it('shows a dataset only while its path is the run\'s data.train', async () => {
    const page = await mountSource()
    const store = useNewRunStore()
    datasetSelect(page).vm.$emit('update:value', 'q')
    await flushPromises()
    expect(store.draft.data.train).toBe('/data/q.jsonl')
    expect(datasetSelect(page).props('value')).toBe('q')

    // A YAML whose data.train is another file: the run uses that file, so no dataset is shown.
    expect(store.loadYaml(yaml('/elsewhere/train.jsonl'), 'run.yaml')).toBe(true)
    await flushPromises()
    expect(datasetSelect(page).props('value')).toBeNull()

    // One whose relative path resolves, against the YAML's folder, to an imported dataset's file shows it.
    expect(store.loadYaml(yaml('other.jsonl'), 'run.yaml', '/data')).toBe(true)
    await flushPromises()
    expect(store.draft.data.train).toBe('/data/other.jsonl')
    expect(datasetSelect(page).props('value')).toBe('other')

    // A path typed by hand empties it too.
    store.setField('data', 'train', '/data/typed.jsonl')
    await flushPromises()
    expect(datasetSelect(page).props('value')).toBeNull()
  })

  it('refuses a relative path in a YAML from a browser, which gives no folder, and keeps the form', async () => {
    await mountSource()
    const store = useNewRunStore()
    store.setField('data', 'train', '/data/q.jsonl')
    expect(store.loadYaml(yaml('data/train.jsonl'), 'run.yaml', null)).toBe(false)
    expect(store.loadProblems).toEqual([expect.stringMatching(/^data\.train: "data\/train\.jsonl" is relative to the file's folder/)])
    expect(store.loadProblemsTitle).toContain('a browser does not tell the page which folder they start from')
    expect(store.draft.data.train).toBe('/data/q.jsonl')
  })
})
