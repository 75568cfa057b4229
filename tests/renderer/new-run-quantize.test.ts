// @vitest-environment happy-dom
// New run's Frozen base select (model.quantize): each choice reaches the run configuration, the
// YAML the form writes and reads back, and a run's configuration loaded into the form.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { fake } from './fake-api'
import { mountSourceSection, selectByTestId } from './source-section-mount'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useNewRunStore } = await import('../../renderer/src/stores/new-run')
const { draftToInput } = await import('../../renderer/src/run-config/draft')

let wrapper: VueWrapper | null = null

async function mountSource(): Promise<VueWrapper> {
  wrapper = await mountSourceSection()
  return wrapper
}

function quantizeSelect(page: VueWrapper) {
  return selectByTestId(page, 'quantize-select')
}

describe('New run Frozen base', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    fake.modelsList.mockResolvedValue([])
    fake.datasetsList.mockResolvedValue([])
  })
  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
  })

  it('offers full precision, 8-bit and 4-bit, full precision first, with what 4-bit saves', async () => {
    const page = await mountSource()
    const select = quantizeSelect(page)
    expect(select.props('options')).toEqual([
      { value: 'none', label: 'Full precision' },
      { value: 'int8', label: '8-bit (int8)' },
      { value: 'int4', label: '4-bit (int4)' },
    ])
    expect(select.props('value')).toBe('none')
    expect(page.find('[data-field="model.quantize"]').text()).toContain('the adapter still trains in float32')
  })

  it('puts the choice into the configuration, writes the folder alone for full precision, and reads both back', async () => {
    const page = await mountSource()
    const store = useNewRunStore()
    store.chooseModel('/models/tiny')
    store.setField('data', 'train', '/data/train.jsonl')
    expect(draftToInput(store.draft).model).toBe('/models/tiny')

    quantizeSelect(page).vm.$emit('update:value', 'int4')
    await flushPromises()
    expect(store.draft.quantize).toBe('int4')
    expect(store.check.config?.model).toEqual({ path: '/models/tiny', quantize: 'int4' })
    expect(store.yaml).toContain('model:\n  path: /models/tiny\n  quantize: int4\n')

    // The YAML it writes loads back into the same choice, and a stored run's configuration too.
    const written = store.yaml
    store.reset()
    expect(store.draft.quantize).toBe('none')
    expect(store.loadYaml(written, 'run.yaml')).toBe(true)
    await flushPromises()
    expect(quantizeSelect(page).props('value')).toBe('int4')
    expect(store.draft.model).toBe('/models/tiny')

    expect(store.loadRunConfig({ ...store.check.config, model: { path: '/models/tiny', quantize: 'int8' } }, 'earlier')).toBe(true)
    expect(store.draft.quantize).toBe('int8')
    // A run recorded before model.quantize names its folder alone: a full-precision base.
    expect(store.loadRunConfig({ ...store.check.config, model: '/models/tiny' }, 'older')).toBe(true)
    expect(store.draft).toMatchObject({ model: '/models/tiny', quantize: 'none' })
  })

  it('shows a missing folder under Model when the base is quantized', async () => {
    const page = await mountSource()
    const store = useNewRunStore()
    quantizeSelect(page).vm.$emit('update:value', 'int4')
    store.touch('model')
    await flushPromises()
    expect(store.check.issues['model.path']).toBe('give a model folder')
    expect(page.find('[data-field="model"]').text()).toContain('give a model folder')
  })
})
