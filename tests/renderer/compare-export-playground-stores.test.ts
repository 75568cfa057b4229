import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { ApiCallError, fake } from './fake-api'
import { movConfig, runDetail } from './training-fixtures'
import { playgroundResult } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useCompareStore, COMPARED_METRICS } = await import('../../renderer/src/stores/compare')
const { useRunExportStore } = await import('../../renderer/src/stores/run-export')
const { usePlaygroundStore } = await import('../../renderer/src/stores/playground')

describe('useCompareStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('reads every run\'s record and curves and lists the configuration fields that differ', async () => {
    const lora = { ...movConfig, name: 'lora run', adapter: { method: 'lora', rank: 16, alpha: 16, init_std: 0.02, sites: null, init: null } }
    fake.runsShow.mockImplementation(async ({ runId }) => runDetail(runId, {}, runId === 'a' ? movConfig : lora))
    fake.runsMetrics.mockImplementation(async ({ runId }) => ({ runId, series: { loss: [{ step: 1, value: 2 }] } }))
    const store = useCompareStore()
    await store.load(['a', 'b'])
    expect(fake.runsMetrics).toHaveBeenCalledWith({ runId: 'a', names: [...COMPARED_METRICS] })
    expect(store.runs.map((r) => r.detail.run.id)).toEqual(['a', 'b'])
    const paths = store.shownDiff.map((row) => row.path)
    expect(paths).toEqual(expect.arrayContaining(['name', 'adapter.method', 'adapter.experts', 'adapter.rank']))
    expect(paths).not.toContain('train.lr')
    expect(store.shownDiff.find((row) => row.path === 'adapter.method')?.values).toEqual(['mov', 'lora'])
    store.onlyDifferences = false
    expect(store.shownDiff.map((row) => row.path)).toContain('train.lr')
  })

  it('reports a run that cannot be read', async () => {
    fake.runsShow.mockRejectedValueOnce(new ApiCallError('not_found', 'There is no run x'))
    fake.runsMetrics.mockResolvedValue({ runId: 'x', series: {} })
    const store = useCompareStore()
    await store.load(['x'])
    expect(store.loadError?.code).toBe('not_found')
  })
})

describe('useRunExportStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  /** What the server suggests: a fresh folder outside the data folder, named after the run and format. */
  const EXPORTS = '/home/me/Documents/Mixture Studio exports'
  function suggestFolders(): void {
    fake.runsSuggestExportFolder.mockImplementation(async ({ runId, format }) => ({ path: `${EXPORTS}/${runId}-${format}` }))
  }

  it('exports with the chosen format and destination and keeps the files written', async () => {
    suggestFolders()
    const store = useRunExportStore()
    await store.prepare('r1')
    store.format = 'peft'
    store.out = '  /tmp/out  '
    const written = { format: 'peft' as const, method: 'lora', path: '/tmp/out', files: [{ path: '/tmp/out/adapter_config.json', bytes: 400 }], source: '/runs/r1/adapter', adapterLabel: 'final adapter', runId: 'r1', recorded: true }
    fake.runsExport.mockResolvedValueOnce(written)
    expect(await store.run('r1')).toEqual(written)
    expect(fake.runsExport).toHaveBeenCalledWith({ runId: 'r1', format: 'peft', out: '/tmp/out', overwrite: false, checkpoint: 'best' })
    await store.prepare('r2')
    expect(store.result).toBeNull()
    expect(store.format).toBe('peft')
    expect(store.out).toBe(`${EXPORTS}/r2-peft`)
  })

  it("exports a cancelled run's last checkpoint: its dialog starts from last, as its Run page opens it", async () => {
    suggestFolders()
    const store = useRunExportStore()
    await store.prepare('r1', 'last')
    fake.runsExport.mockResolvedValueOnce({ format: 'native', method: 'lora', path: '/tmp/out', files: [], source: '/runs/r1/checkpoints/step-20', adapterLabel: 'checkpoint step-20', runId: 'r1', recorded: true })
    await store.run('r1')
    expect(fake.runsExport).toHaveBeenLastCalledWith(expect.objectContaining({ runId: 'r1', checkpoint: 'last' }))
    await store.prepare('r2')
    expect(store.checkpoint).toBe('best')
  })

  it('exports the best checkpoint unless the last adapter is chosen; a new dialog starts from best again', async () => {
    suggestFolders()
    const store = useRunExportStore()
    await store.prepare('r1')
    expect(store.checkpoint).toBe('best')
    store.checkpoint = 'last'
    fake.runsExport.mockResolvedValueOnce({ format: 'native', method: 'lora', path: '/tmp/o', files: [], source: '/runs/r1/adapter', adapterLabel: 'final adapter', runId: 'r1', recorded: true })
    await store.run('r1')
    expect(fake.runsExport).toHaveBeenLastCalledWith(expect.objectContaining({ runId: 'r1', checkpoint: 'last' }))
    await store.prepare('r1')
    expect(store.checkpoint).toBe('best')
  })

  it('suggests a folder outside the data folder for the run and format, and follows the format until the user types one', async () => {
    suggestFolders()
    const store = useRunExportStore()
    await store.prepare('r1')
    expect(fake.runsSuggestExportFolder).toHaveBeenCalledWith({ runId: 'r1', format: 'native' })
    expect(store.out).toBe(`${EXPORTS}/r1-native`)
    store.format = 'onnx'
    await flushPromises()
    expect(store.out).toBe(`${EXPORTS}/r1-onnx`)
    store.out = '/elsewhere/mine'
    store.format = 'native'
    await flushPromises()
    expect(store.out).toBe('/elsewhere/mine')
  })

  it('a new dialog asks again, so a second export gets the fresh folder the server names', async () => {
    let exported = 0
    fake.runsSuggestExportFolder.mockImplementation(async () => ({ path: `${EXPORTS}/r1-native${exported > 0 ? `-${exported + 1}` : ''}` }))
    fake.runsExport.mockImplementation(async ({ out }) => {
      exported++
      return { format: 'native', method: 'lora', path: out, files: [], source: '/runs/r1/adapter', adapterLabel: 'final adapter', runId: 'r1', recorded: true }
    })
    const store = useRunExportStore()
    await store.prepare('r1')
    await store.run('r1')
    await store.prepare('r1')
    await store.run('r1')
    expect(fake.runsExport.mock.calls.map(([input]) => input.out)).toEqual([`${EXPORTS}/r1-native`, `${EXPORTS}/r1-native-2`])
  })

  it('drops a suggestion that answers after the user typed, and leaves the field empty when none comes', async () => {
    let answer!: (value: { path: string }) => void
    fake.runsSuggestExportFolder.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)))
    const store = useRunExportStore()
    const preparing = store.prepare('r1')
    store.out = '/typed/while/waiting'
    answer({ path: `${EXPORTS}/r1-native` })
    await preparing
    expect(store.out).toBe('/typed/while/waiting')

    fake.runsSuggestExportFolder.mockRejectedValueOnce(new ApiCallError('not_found', 'There is no run gone'))
    await store.prepare('gone')
    expect(store.out).toBe('')
    expect(store.error).toBeNull()
  })

  it('keeps the refusal for the dialog to show', async () => {
    const store = useRunExportStore()
    fake.runsExport.mockRejectedValueOnce(new ApiCallError('invalid_input', 'cannot export a mov adapter in PEFT format'))
    expect(await store.run('r1')).toBeNull()
    expect(store.error?.message).toContain('PEFT format')
    expect(store.exporting).toBe(false)
  })
})

describe('usePlaygroundStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('sends the prompt with the run, model and settings, and remembers which prompt was answered', async () => {
    const store = usePlaygroundStore()
    store.runId = 'r1'
    store.prompt = 'hello'
    store.settings.temperature = 0.7
    fake.playgroundGenerate.mockResolvedValueOnce(playgroundResult())
    await store.generate()
    expect(fake.playgroundGenerate).toHaveBeenCalledWith({ runId: 'r1', checkpoint: 'best', prompt: 'hello', maxTokens: 48, temperature: 0.7, topP: 1, seed: 0, format: 'raw', device: 'auto' })
    store.prompt = 'changed'
    expect(store.answeredPrompt).toBe('hello')
    fake.playgroundGenerate.mockRejectedValueOnce(new ApiCallError('conflict', 'Run r1 has no final adapter'))
    await store.generate()
    expect(store.error?.message).toContain('no final adapter')
    expect(store.result?.adapted?.text).toBe(' sea')
  })

  it('generates on the Settings default device until the user picks one, then keeps the pick', async () => {
    const store = usePlaygroundStore()
    store.prompt = 'hello'
    fake.playgroundGenerate.mockResolvedValue(playgroundResult())
    store.suggestDevice('cpu')
    await store.generate()
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ device: 'cpu' }))
    store.suggestDevice('cuda')
    expect(store.device).toBe('cuda')
    store.chooseDevice('webgpu')
    store.suggestDevice('dml')
    await store.generate()
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ device: 'webgpu' }))
  })
})
