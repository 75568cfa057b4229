// The first-run walkthrough: which step is next given the models, datasets and runs; when it shows;
// what its buttons call; and what New run is filled with for the first run.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { RunConfig, type DemoPlan } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { run, settingsState } from './fixtures'
import { detail, modelSummary, summary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { walkthrough, walkthroughShown } = await import('../../renderer/src/first-run/walkthrough-steps')
const { useFirstRunStore } = await import('../../renderer/src/stores/first-run')
const { useRunsStore } = await import('../../renderer/src/stores/runs')
const { useNewRunStore } = await import('../../renderer/src/stores/new-run')

const plan: DemoPlan = {
  modelPath: '/home/test/.mixture-studio/demo/model',
  dataPath: '/home/test/.mixture-studio/demo/data/train.jsonl',
  config: RunConfig.parse({
    name: 'demo: MoV',
    model: '/home/test/.mixture-studio/demo/model',
    data: { train: '/home/test/.mixture-studio/demo/data/train.jsonl', split: 0.1, max_length: 128 },
    adapter: { method: 'mov', experts: 4, load_balancing_coefficient: 0.1 },
    train: { lr: 3e-2, warmup_steps: 60, max_steps: 600 },
    device: 'cpu',
  }),
}
const demoModel = modelSummary('demo', { name: 'Demo model (tiny Llama)', path: plan.modelPath, createdAt: '2025-02-01T10:00:00.000Z' })
const demoDataset = summary('sample', { name: 'Demo sample', path: plan.dataPath, numExamples: 400, createdAt: '2025-02-01T10:00:00.000Z' })

describe('walkthrough steps', () => {
  it('is the model next on an empty studio, then the dataset, then the run', () => {
    const empty = walkthrough({ models: [], datasets: [], runs: [] })
    expect(empty.steps).toEqual([{ id: 'model', state: 'next' }, { id: 'dataset', state: 'later' }, { id: 'run', state: 'later' }])
    expect(empty).toMatchObject({ next: 'model', model: null, dataset: null })

    const withModel = walkthrough({ models: [modelSummary('m1')], datasets: [], runs: [] })
    expect(withModel.steps.map((s) => s.state)).toEqual(['done', 'next', 'later'])
    expect(withModel.model?.id).toBe('m1')

    // Data imported before any model: the model is still next, the dataset done.
    const dataFirst = walkthrough({ models: [], datasets: [summary('d1')], runs: [] })
    expect(dataFirst.steps.map((s) => s.state)).toEqual(['next', 'done', 'later'])

    const both = walkthrough({ models: [modelSummary('m1')], datasets: [summary('d1')], runs: [] })
    expect(both.steps.map((s) => s.state)).toEqual(['done', 'done', 'next'])
    expect(both.next).toBe('run')

    const ran = walkthrough({ models: [modelSummary('m1')], datasets: [summary('d1')], runs: [run('r1')] })
    expect(ran.next).toBeNull()
    expect(ran.steps.every((s) => s.state === 'done')).toBe(true)
  })

  it('shows what was chosen here, else the newest, and never a validation file', () => {
    const older = modelSummary('old', { createdAt: '2025-01-01T10:00:00.000Z' })
    const newer = modelSummary('new', { createdAt: '2025-03-01T10:00:00.000Z' })
    expect(walkthrough({ models: [older, newer], datasets: [], runs: [] }).model?.id).toBe('new')
    expect(walkthrough({ models: [older, newer], datasets: [], runs: [], chosenModelId: 'old' }).model?.id).toBe('old')
    // A choice that was removed meanwhile falls back to the newest.
    expect(walkthrough({ models: [older, newer], datasets: [], runs: [], chosenModelId: 'gone' }).model?.id).toBe('new')

    const train = summary('train', { validationDatasetId: 'val', createdAt: '2025-01-01T10:00:00.000Z' })
    const validation = summary('val', { createdAt: '2025-01-01T10:00:01.000Z' })
    expect(walkthrough({ models: [], datasets: [train, validation], runs: [] }).dataset?.id).toBe('train')
  })

  it('shows on a studio without runs once everything has answered, unless the user hid it', () => {
    expect(walkthroughShown({ loaded: true, runs: [], dismissed: false })).toBe(true)
    expect(walkthroughShown({ loaded: false, runs: [], dismissed: false })).toBe(false)
    expect(walkthroughShown({ loaded: true, runs: [run('r1')], dismissed: false })).toBe(false)
    expect(walkthroughShown({ loaded: true, runs: [], dismissed: true })).toBe(false)
  })
})

describe('useFirstRunStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    vi.useFakeTimers()
    fake.demoPlan.mockResolvedValue(plan)
    fake.settingsGet.mockResolvedValue(settingsState())
    fake.modelsList.mockResolvedValue([])
    fake.datasetsList.mockResolvedValue([])
    fake.runsList.mockResolvedValue([])
    fake.runsMetrics.mockResolvedValue({ runId: '', series: {} })
  })
  afterEach(() => vi.useRealTimers())

  async function loaded() {
    const store = useFirstRunStore()
    await Promise.all([store.load(), useRunsStore().load()])
    return store
  }

  it('shows on an empty studio and goes once there is a run', async () => {
    const store = await loaded()
    expect(store.shown).toBe(true)
    expect(store.steps.next).toBe('model')
    fake.runsList.mockResolvedValue([run('r1')])
    await useRunsStore().load()
    expect(store.shown).toBe(false)
  })

  it('makes the demo model and uses the sample, each then shown as chosen', async () => {
    const store = await loaded()
    fake.demoMakeModel.mockResolvedValueOnce({ model: { ...demoModel, ...detailOfModel() }, made: true })
    fake.modelsList.mockResolvedValue([modelSummary('m-other', { createdAt: '2025-09-01T10:00:00.000Z' }), demoModel])
    await store.makeDemoModel()
    expect(fake.demoMakeModel).toHaveBeenCalledOnce()
    // Chosen here, so shown even though another model is newer.
    expect(store.steps.model?.id).toBe('demo')
    expect(store.steps.next).toBe('dataset')

    fake.demoMakeDataset.mockResolvedValueOnce({ dataset: detail('sample', { path: plan.dataPath }), made: false })
    fake.datasetsList.mockResolvedValue([demoDataset])
    await store.useSample()
    expect(store.steps.dataset?.id).toBe('sample')
    expect(store.steps.next).toBe('run')
    expect(store.onDemoPieces).toBe(true)
  })

  it('says why the demo could not start and answers no run', async () => {
    const store = await loaded()
    fake.demoStart.mockRejectedValueOnce(new ApiCallError('internal', 'disk full'))
    expect(await store.tryDemo()).toBeNull()
    expect(store.errorTitle).toBe('Could not start the demo')
    expect(store.error?.message).toContain('disk full')
    expect(store.working).toBeNull()
  })

  it('answers the demo run to open', async () => {
    const store = await loaded()
    fake.demoStart.mockResolvedValueOnce({ run: run('demo-run', { status: 'starting' }), jobId: 'j1', reused: false })
    expect(await store.tryDemo()).toBe('demo-run')
    expect(fake.demoStart).toHaveBeenCalledWith({})
  })

  it('fills New run with the demo configuration on the demo pieces', async () => {
    fake.modelsList.mockResolvedValue([demoModel])
    fake.datasetsList.mockResolvedValue([demoDataset])
    const store = await loaded()
    expect(await store.prefillNewRun()).toBe(true)
    const draft = useNewRunStore().draft
    expect(draft).toMatchObject({ name: 'demo: MoV', model: plan.modelPath, device: 'cpu', data: { train: plan.dataPath, split: 0.1 } })
    expect(draft.adapter).toMatchObject({ method: 'mov', experts: 4, load_balancing_coefficient: 0.1 })
    expect(draft.train).toMatchObject({ lr: 3e-2, max_steps: 600 })
  })

  it('fills New run with MoV-10 on the user\'s own model and dataset, the dataset as its select would', async () => {
    fake.modelsList.mockResolvedValue([modelSummary('m1')])
    fake.datasetsList.mockResolvedValue([summary('d1')])
    fake.datasetsShow.mockResolvedValueOnce(detail('d1', { options: { template: 'auto', trainOnPrompt: false, onError: 'skip', model: null, split: { kind: 'fraction', fraction: 0.05 } } }))
    const store = await loaded()
    expect(store.onDemoPieces).toBe(false)
    expect(await store.prefillNewRun()).toBe(true)
    const newRun = useNewRunStore()
    expect(newRun.presetId).toBe('mov-10')
    expect(newRun.draft).toMatchObject({ model: '/models/m1', data: { train: '/data/d1.jsonl', split: 0.05, mapping: { prompt: 'question', completion: 'answer' } } })
    expect(newRun.draft.adapter).toMatchObject({ method: 'mov', experts: 10 })
  })

  it('does not fill New run before both pieces are there', async () => {
    fake.modelsList.mockResolvedValue([modelSummary('m1')])
    const store = await loaded()
    expect(await store.prefillNewRun()).toBe(false)
    expect(fake.datasetsShow).not.toHaveBeenCalled()
  })

  it('stays hidden once hidden (kept in Settings) and comes back when asked', async () => {
    const store = await loaded()
    fake.settingsSet.mockResolvedValueOnce(settingsState({ walkthroughDismissed: true }))
    await store.dismiss()
    expect(fake.settingsSet).toHaveBeenCalledWith({ walkthroughDismissed: true })
    expect(store.shown).toBe(false)
    fake.settingsSet.mockResolvedValueOnce(settingsState({ walkthroughDismissed: false }))
    await store.showAgain()
    expect(fake.settingsSet).toHaveBeenLastCalledWith({ walkthroughDismissed: false })
    expect(store.shown).toBe(true)
  })

  it('stays shown and says so when hiding it could not be saved', async () => {
    const store = await loaded()
    fake.settingsSet.mockRejectedValueOnce(new ApiCallError('conflict', 'Settings were not saved: settings.json is a folder'))
    await store.dismiss()
    expect(store.shown).toBe(true)
    expect(store.errorTitle).toBe('Could not remember that the walkthrough is closed')
  })
})

/** The detail fields a ModelDetail adds to a summary. */
function detailOfModel() {
  return {
    family: 'llama' as const, layers: 4, decoderLayers: null, hiddenSize: 128, heads: 4, kvHeads: 2, headDim: 32, ffnSize: 344,
    tiedEmbeddings: true, files: [], hasTokenizer: true, notes: [], quantizedCopies: [],
  }
}
