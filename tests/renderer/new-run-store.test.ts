import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { nextTick, toRaw } from 'vue'
import { ApiCallError, fake } from './fake-api'
import { run } from './fixtures'
import { estimate } from './training-fixtures'
import type { DatasetDetail } from '../../main/contract'
import { summary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useNewRunStore, ESTIMATE_DELAY_MS } = await import('../../renderer/src/stores/new-run')
const { useDatasetsStore } = await import('../../renderer/src/stores/datasets')
const { draftToInput } = await import('../../renderer/src/run-config/draft')

function fill(store: ReturnType<typeof useNewRunStore>): void {
  store.chooseModel('/models/tiny')
  store.setField('data', 'train', '/data/train.jsonl')
}

describe('useNewRunStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    vi.useFakeTimers()
  })
  afterEach(() => vi.useRealTimers())

  it('starts from the schema\'s defaults and holds problems back until a field is touched or Start is pressed', async () => {
    const store = useNewRunStore()
    expect(store.draft.adapter).toMatchObject({ method: 'mov', experts: 10, top_k: null, sites: null })
    expect(store.draft.train).toMatchObject({ optimizer: 'adamw', lr: 3e-4, batch_size: 8, max_steps: 1000 })
    expect(store.valid).toBe(false)
    expect(store.issueOf('model')).toBeNull()
    expect(await store.start()).toBeNull()
    expect(fake.runsStart).not.toHaveBeenCalled()
    expect(store.issueOf('model')).toBe('give a model folder')
    expect(store.issueOf('data.train')).toBe('give the training data file')
  })

  it('checks a field against the schema as soon as it is edited', () => {
    const store = useNewRunStore()
    fill(store)
    store.setField('adapter', 'top_k', 20)
    expect(store.issueOf('adapter.top_k')).toBe('Top-k 20 is more than the 10 experts: keep at most 10, or leave it empty to mix all of them.')
    store.setField('train', 'batch_size', 0)
    expect(store.issueOf('train.batch_size')).toBe('Batch size must be at least 1.')
    store.setField('adapter', 'top_k', null)
    store.setField('train', 'batch_size', 4)
    expect(store.valid).toBe(true)
  })

  it('trains by steps or by epochs: giving one clears the other, and the eval section travels with the configuration', () => {
    const store = useNewRunStore()
    fill(store)
    store.setField('train', 'epochs', 3)
    expect(store.draft.train).toMatchObject({ epochs: 3, max_steps: null })
    expect(store.valid).toBe(true)
    expect(store.check.config?.train).toMatchObject({ epochs: 3, max_steps: null })
    store.setField('train', 'max_steps', 50)
    expect(store.draft.train).toMatchObject({ epochs: null, max_steps: 50 })
    expect(store.yaml).toContain('max_steps: 50')
    expect(store.check.config?.eval).toEqual({ sets: [], prompts: [], max_new_tokens: 48, length_normalize: false })
  })

  it('turns early stopping on with patience 3, checks its metric against the data and eval sets, and off again', () => {
    const store = useNewRunStore()
    fill(store)
    store.setEarlyStopping({ metric: 'eval_loss' })
    expect(store.draft.train.early_stopping).toEqual({ metric: 'eval_loss', patience: 3, min_delta: 0 })
    expect(store.issueOf('train.early_stopping.metric')).toMatch(/needs validation data: choose a validation file or hold examples out/)
    store.setField('data', 'split', 0.1)
    expect(store.valid).toBe(true)
    store.setEarlyStopping({ patience: 5, min_delta: 0.01 })
    expect(store.check.config?.train.early_stopping).toEqual({ metric: 'eval_loss', patience: 5, min_delta: 0.01 })
    store.setEarlyStopping({ metric: 'accuracy.arc' })
    expect(store.issueOf('train.early_stopping.metric')).toMatch(/accuracy\.arc names no multiple-choice set/)
    store.setEarlyStopping(null)
    expect(store.draft.train.early_stopping).toBeNull()
    expect(store.valid).toBe(true)
  })

  it('refuses a held-out split that leaves none of the imported dataset\'s examples to train on, under the field, before Start', async () => {
    useDatasetsStore().datasets = [summary('d1', { path: '/data/train.jsonl', numExamples: 150 })]
    const store = useNewRunStore()
    fill(store)
    store.setField('data', 'split', 500)
    expect(store.valid).toBe(false)
    expect(store.issueOf('data.split')).toBe('Holding out 500 of the 150 examples leaves none to train on: hold out at most 149.')
    expect(await store.start()).toBeNull()
    expect(fake.runsStart).not.toHaveBeenCalled()
    store.setField('data', 'split', 149)
    expect(store.valid).toBe(true)
  })

  it('shows Start\'s refusal of a field under that field, until the form changes', async () => {
    const store = useNewRunStore()
    fill(store)
    fake.runsStart.mockRejectedValueOnce(new ApiCallError('invalid_input', '/data/train.jsonl: Holding out 12 of the 12 examples leaves none to train on: hold out at most 11.', [{ path: 'data.split', message: 'Holding out 12 of the 12 examples leaves none to train on: hold out at most 11.' }]))
    expect(await store.start()).toBeNull()
    expect(store.issueOf('data.split')).toBe('Holding out 12 of the 12 examples leaves none to train on: hold out at most 11.')
    store.setField('data', 'split', 4)
    await nextTick()
    expect(store.issueOf('data.split')).toBeNull()
  })

  it('applies presets as the paper\'s adapter sections, resetting the other fields of the method', () => {
    const store = useNewRunStore()
    store.setField('adapter', 'top_k', 2)
    store.applyPreset('molora-10')
    expect(store.draft.adapter).toMatchObject({ method: 'molora', experts: 10, rank: 4, alpha: 16, top_k: null })
    expect(store.presetId).toBe('molora-10')
    store.applyPreset('lora-16')
    expect(store.draft.adapter).toMatchObject({ method: 'lora', rank: 16 })
    expect(store.draft.adapter).not.toHaveProperty('experts')
    store.setField('adapter', 'rank', 8)
    expect(store.presetId).toBeNull()
  })

  it('asks for the estimate once edits pause, only for a valid configuration, and drops stale answers', async () => {
    const store = useNewRunStore()
    fill(store)
    await nextTick()
    expect(store.estimating).toBe(true)
    vi.advanceTimersByTime(ESTIMATE_DELAY_MS - 1)
    expect(fake.runsEstimate).not.toHaveBeenCalled()

    let answerFirst!: (value: ReturnType<typeof estimate>) => void
    fake.runsEstimate.mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
    vi.advanceTimersByTime(1)
    expect(fake.runsEstimate).toHaveBeenCalledTimes(1)
    expect(fake.runsEstimate.mock.calls[0][0].config).toMatchObject({ model: '/models/tiny', adapter: { method: 'mov', experts: 10 } })

    fake.runsEstimate.mockResolvedValueOnce(estimate(300))
    store.setField('adapter', 'experts', 30)
    await nextTick()
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS)
    answerFirst(estimate(100))
    await vi.waitFor(() => expect(store.estimate?.trainableParameters).toBe(300))
    expect(store.estimating).toBe(false)

    store.setField('adapter', 'experts', 0)
    await nextTick()
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS)
    expect(fake.runsEstimate).toHaveBeenCalledTimes(2)
    expect(store.estimating).toBe(false)
  })

  it('Reset to defaults drops the cost of the form before, and an estimate still on its way', async () => {
    const store = useNewRunStore()
    fill(store)
    fake.runsEstimate.mockResolvedValueOnce(estimate(300))
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS)
    await vi.waitFor(() => expect(store.estimate?.trainableParameters).toBe(300))
    let answerLate!: (value: ReturnType<typeof estimate>) => void
    fake.runsEstimate.mockReturnValueOnce(new Promise((resolve) => (answerLate = resolve)))
    store.setField('adapter', 'experts', 30)
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS)
    store.reset()
    answerLate(estimate(900))
    await vi.advanceTimersByTimeAsync(ESTIMATE_DELAY_MS)
    expect(store.estimate).toBeNull()
  })

  it('shows why the server could not build the adapter', async () => {
    const store = useNewRunStore()
    fill(store)
    fake.runsEstimate.mockRejectedValueOnce(new ApiCallError('invalid_input', 'adapter: adapter.sites lists c_attn, which this model does not have'))
    await store.refreshEstimate()
    expect(store.estimate).toBeNull()
    expect(store.estimateError?.message).toContain('c_attn')
  })

  it('fills the data section from an imported dataset: its file, held-out split, format and column mapping', () => {
    const store = useNewRunStore()
    const dataset = {
      id: 'd1', name: 'questions', path: '/data/q.jsonl', format: 'prompt-completion', validationDatasetId: null, mapping: { prompt: 'ask', completion: 'reply' },
      options: { split: { kind: 'fraction', fraction: 0.1, seed: 42 }, trainOnPrompt: false, maxLength: 256 },
    } as unknown as DatasetDetail
    store.chooseDataset(dataset, [])
    expect(store.draft.data).toMatchObject({ train: '/data/q.jsonl', split: 0.1, validation: null, format: 'prompt_completion', max_length: 256, mapping: { prompt: 'ask', completion: 'reply' } })
    const withFile = { ...dataset, validationDatasetId: 'd2', options: {} } as unknown as DatasetDetail
    store.chooseDataset(withFile, [{ id: 'd2', path: '/data/val.jsonl' } as never])
    expect(store.draft.data).toMatchObject({ validation: '/data/val.jsonl', split: null })
  })

  it('round-trips the form through YAML and refuses a bad file with its line and field', () => {
    const store = useNewRunStore()
    fill(store)
    store.applyPreset('mov-30')
    store.setField('train', 'lr', 0.01)
    const yaml = store.yaml
    expect(yaml).toContain('method: mov')
    expect(yaml).toContain('experts: 30')
    store.reset()
    expect(store.loadYaml(yaml.replace('experts: 30', 'experts: 0'), 'run.yaml')).toBe(false)
    expect(store.loadProblems.join('\n')).toMatch(/line \d+: adapter\.experts/)
    expect(store.loadYaml(yaml, 'run.yaml')).toBe(true)
    expect(store.draft.adapter).toMatchObject({ method: 'mov', experts: 30 })
    expect(store.draft.train.lr).toBe(0.01)
    expect(store.loadProblems).toEqual([])
  })

  it('names each run afresh: a started run\'s name does not carry over to the next', async () => {
    const store = useNewRunStore()
    fill(store)
    store.draft.name = 'first try'
    fake.runsStart.mockResolvedValueOnce({ run: run('r1', { status: 'starting' }), jobId: 'j1' })
    await store.start()
    expect(fake.runsStart.mock.calls[0][0].config.name).toBe('first try')
    expect(store.draft.name).toBe('')
    expect(store.draft.model).toBe('/models/tiny')
  })

  it('clones a run: its configuration fills the form, without its name, and Reset brings the defaults back', () => {
    const store = useNewRunStore()
    const defaults = structuredClone(toRaw(store.draft))
    fill(store)
    store.setMethod('lora')
    store.setField('train', 'lr', 0.002)
    store.setDevice('cpu')
    const stored = { ...draftToInput(store.draft), name: 'the original' }
    store.reset()
    expect(store.loadRunConfig(stored, 'the original')).toBe(true)
    expect(store.draft).toMatchObject({ name: '', model: '/models/tiny', adapter: { method: 'lora' }, train: { lr: 0.002 }, data: { train: '/data/train.jsonl' } })
    // New run, opening, suggests Settings' default device: the run's own stays.
    store.suggestDevice('webgpu')
    expect(store.draft.device).toBe('cpu')
    store.reset()
    expect(toRaw(store.draft)).toEqual(defaults)
    // A stored configuration this version cannot read is refused, saying which field.
    expect(store.loadRunConfig({ ...stored, train: { lr: 'fast' } }, 'the original')).toBe(false)
    expect(store.loadProblemsTitle).toContain('the original')
    expect(store.loadProblems.join('\n')).toContain('train.lr')
  })

  it('starts the run with the form\'s configuration, blanks as nulls', async () => {
    const store = useNewRunStore()
    fill(store)
    store.setField('adapter', 'sites', [])
    store.setField('adapter', 'init', '')
    fake.runsStart.mockResolvedValueOnce({ run: run('r1', { status: 'starting' }), jobId: 'j1' })
    const started = await store.start()
    expect(started?.run.id).toBe('r1')
    expect(fake.runsStart.mock.calls[0][0].config.adapter).toMatchObject({ method: 'mov', sites: null, init: null })
    fake.runsStart.mockRejectedValueOnce(new ApiCallError('invalid_input', 'model: /models/tiny: no config.json'))
    expect(await store.start()).toBeNull()
    expect(store.startError?.message).toContain('no config.json')
  })

  it('takes Settings\' default device until the user picks one', () => {
    const store = useNewRunStore()
    store.suggestDevice('cpu')
    expect(store.draft.device).toBe('cpu')
    store.setDevice('cuda')
    store.suggestDevice('cpu')
    expect(store.draft.device).toBe('cuda')
  })
})
