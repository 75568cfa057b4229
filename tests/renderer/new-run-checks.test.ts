// @vitest-environment happy-dom
// The checks before Start on New run: as the form is edited (once it is a valid configuration) the
// service's runsCheck is asked, and what it would refuse shows beside its field at once (a missing
// training or validation file under the Dataset, an adapter that does not fit under Start from
// adapter, a device this machine lacks under Device), its memory warning under Device without
// stopping Start; the Device select greys out the devices the System page lists as unavailable.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { NSelect } from 'naive-ui'
import type { RunCheckProblem } from '../../main/contract'
import { fake } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useNewRunStore, ESTIMATE_DELAY_MS } = await import('../../renderer/src/stores/new-run')
const { default: SourceSection } = await import('../../renderer/src/components/new-run/SourceSection.vue')
const { default: FieldGrid } = await import('../../renderer/src/components/new-run/FieldGrid.vue')
const { default: SchemaField } = await import('../../renderer/src/components/new-run/SchemaField.vue')
const { default: EvalSection } = await import('../../renderer/src/components/new-run/EvalSection.vue')
const { DEVICE_FIELD } = await import('../../renderer/src/run-config/draft')
const { methodFields } = await import('../../renderer/src/run-config/adapter-methods')
const { unavailableDevices } = await import('../../renderer/src/run-config/device-choices')

const refusals: RunCheckProblem[] = [
  { path: 'data.validation', message: 'The validation file /data/val.jsonl: no such file', severity: 'refusal' },
  { path: 'adapter.init', message: 'It is a LoRA adapter; a MoV run cannot start from it: choose LoRA as the method, or another adapter.', severity: 'refusal' },
  { path: 'device', message: 'cuda is not available on this machine: no driver. Choose auto or another device; the System page says what cuda needs.', severity: 'refusal' },
]
const memory: RunCheckProblem = { path: 'device', message: 'This run needs about 9.2 GiB; this machine has 7.5 GiB free.', severity: 'warning' }

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  vi.useRealTimers()
})

beforeEach(() => {
  fake.reset()
  setActivePinia(createPinia())
  fake.modelsList.mockResolvedValue([])
  fake.datasetsList.mockResolvedValue([])
  fake.runsEstimate.mockRejectedValue(new Error('not asked here'))
})

/** A valid form, and the checks' answer once the edits pause. */
async function checkedStore(problems: RunCheckProblem[]) {
  vi.useFakeTimers()
  fake.runsCheck.mockResolvedValue({ problems })
  const store = useNewRunStore()
  store.chooseModel('/models/tiny')
  store.draft.data.train = '/data/train.jsonl'
  store.draft.data.validation = '/data/val.jsonl'
  await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
  vi.useRealTimers()
  return store
}

describe('the New run store\'s checks before Start', () => {
  it('asks runsCheck with the form\'s configuration once edits pause, and only for a valid one', async () => {
    vi.useFakeTimers()
    const store = useNewRunStore()
    store.setField('train', 'lr', 1e-3)
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
    expect(fake.runsCheck).not.toHaveBeenCalled()
    store.chooseModel('/models/tiny')
    store.setField('data', 'train', '/data/train.jsonl')
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
    expect(fake.runsCheck).toHaveBeenCalledTimes(1)
    expect(fake.runsCheck.mock.calls[0][0].config).toMatchObject({ model: '/models/tiny', data: { train: '/data/train.jsonl' } })
  })

  it('shows each refusal under its field without waiting for a touch or Start, and counts it', async () => {
    const store = await checkedStore([...refusals, memory])
    expect(store.issueOf('data.validation')).toBe(refusals[0].message)
    expect(store.issueOf('adapter.init')).toBe(refusals[1].message)
    expect(store.issueOf('device')).toBe(refusals[2].message)
    expect(store.warningOf('device')).toBe(memory.message)
    expect(store.issueOf('data.train')).toBeNull()
    expect(store.problemCount).toBe(3)
  })

  it('a memory warning alone does not count as a problem, and Reset forgets the answer', async () => {
    const store = await checkedStore([memory])
    expect(store.problemCount).toBe(0)
    expect(store.issueOf('device')).toBeNull()
    store.reset()
    expect(store.warningOf('device')).toBeNull()
  })

  it('forgets the answer once the form is no valid configuration (the file it named may be fixed by then)', async () => {
    const store = await checkedStore(refusals)
    vi.useFakeTimers()
    store.setField('train', 'batch_size', 0)
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
    expect(store.issueOf('adapter.init')).toBeNull()
    expect(fake.runsCheck).toHaveBeenCalledTimes(1)
  })

  it('drops an answer to a configuration edited since', async () => {
    vi.useFakeTimers()
    let answer: (value: { problems: RunCheckProblem[] }) => void = () => {}
    fake.runsCheck.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    const store = useNewRunStore()
    store.chooseModel('/models/tiny')
    store.setField('data', 'train', '/data/nowhere.jsonl')
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
    fake.runsCheck.mockResolvedValueOnce({ problems: [] })
    store.setField('data', 'train', '/data/train.jsonl')
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS + 10)
    answer({ problems: [{ path: 'data.train', message: 'The training file /data/nowhere.jsonl: no such file', severity: 'refusal' }] })
    await flushPromises()
    expect(store.issueOf('data.train')).toBeNull()
  })
})

describe('New run shows the checks beside their fields', () => {
  it('under the Dataset: the validation file that cannot be read', async () => {
    await checkedStore(refusals)
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: SourceSection }, { path: '/models', name: 'models', component: SourceSection }] })
    wrapper = mount(SourceSection, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    const dataset = wrapper.find('[data-field="data.train"]')
    expect(dataset.text()).toContain('The validation file /data/val.jsonl: no such file')
    expect(dataset.find('.n-form-item-feedback--error').text()).toBe('The validation file /data/val.jsonl: no such file')
  })

  it('on an eval set\'s row: its file that cannot be read', async () => {
    const store = await checkedStore([{ path: 'eval.sets.0.data', message: 'The file of eval set "quiz" /data/quiz.jsonl: no such file', severity: 'refusal' }])
    store.draft.eval = { ...store.draft.eval, sets: [{ name: 'quiz', data: '/data/quiz.jsonl' }] }
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: EvalSection }, { path: '/datasets', name: 'datasets', component: EvalSection }] })
    wrapper = mount(EvalSection, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    expect(wrapper.find('[data-set="0"]').text()).toContain('The file of eval set "quiz" /data/quiz.jsonl: no such file')
  })

  it('under Start from adapter: the adapter that does not fit', async () => {
    const store = await checkedStore(refusals)
    wrapper = mount(FieldGrid, { props: { section: 'adapter', fields: methodFields('mov'), values: store.draft.adapter, issueOf: store.issueOf }, attachTo: document.body })
    expect(wrapper.find('[data-field="adapter.init"]').text()).toContain('It is a LoRA adapter; a MoV run cannot start from it')
  })

  it('under Device: the memory warning, in the warning colour, and unavailable devices greyed out with their reason', async () => {
    const store = await checkedStore([memory])
    wrapper = mount(SchemaField, {
      props: { field: DEVICE_FIELD, path: 'device', value: 'auto', issue: store.issueOf('device'), warning: store.warningOf('device'), unavailable: { dml: 'DirectML runs only on Windows' } },
      attachTo: document.body,
    })
    const field = wrapper.find('[data-field="device"]')
    expect(field.text()).toContain('This run needs about 9.2 GiB; this machine has 7.5 GiB free.')
    expect(field.find('.n-form-item-feedback--warning').text()).toBe('This run needs about 9.2 GiB; this machine has 7.5 GiB free.')
    const options = wrapper.findComponent(NSelect).props('options') as { label: string; value: string; disabled?: boolean }[]
    expect(options.find((o) => o.value === 'dml')).toEqual({ label: 'dml', value: 'dml', disabled: true, reason: 'DirectML runs only on Windows' })
    expect(options.find((o) => o.value === 'cpu')).toEqual({ label: 'cpu', value: 'cpu' })
  })

  it('greys out the devices the System page lists as unavailable, with the first part of their reason', () => {
    const providers = [
      { name: 'cpu' as const, available: true, reason: 'always available' },
      { name: 'cuda' as const, available: false, reason: 'the CUDA provider libraries are not installed beside onnxruntime-node; on Linux x64 ...' },
      { name: 'dml' as const, available: false, reason: 'DirectML runs only on Windows' },
      { name: 'webgpu' as const, available: true, reason: 'built in' },
    ]
    expect(unavailableDevices(providers)).toEqual({ cuda: 'the CUDA provider libraries are not installed beside onnxruntime-node', dml: 'DirectML runs only on Windows' })
  })
})
