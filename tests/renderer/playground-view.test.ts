// @vitest-environment happy-dom
// The Playground page mounted whole (form, answers, device line) on the fake api: the device
// sent is the Settings default until the user picks one, and the answers say where they ran.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { NSelect } from 'naive-ui'
import { ApiCallError, fake } from './fake-api'
import { modelSummary } from './dataset-fixtures'
import { playgroundResult, run, settingsState } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: PlaygroundView } = await import('../../renderer/src/views/PlaygroundView.vue')
const { useSettingsStore } = await import('../../renderer/src/stores/settings')

let wrapper: VueWrapper | null = null

async function mountPlayground(path = '/playground'): Promise<VueWrapper> {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/playground', component: PlaygroundView }] })
  await router.push(path)
  wrapper = mount(PlaygroundView, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

function select(page: VueWrapper, testId: string) {
  const found = page.findAllComponents(NSelect).find((candidate) => candidate.attributes('data-testid') === testId)
  if (!found) throw new Error(`the Playground form has no select ${testId}`)
  return found
}

/** What choosing an option does, without opening naive-ui's menu (happy-dom does not lay it out). */
async function choose(page: VueWrapper, testId: string, value: string): Promise<void> {
  select(page, testId).vm.$emit('update:value', value)
  await flushPromises()
}

async function saveDefaultDevice(defaultDevice: 'cuda' | 'dml'): Promise<void> {
  fake.settingsSet.mockResolvedValueOnce(settingsState({ defaultDevice }))
  await useSettingsStore().save({ defaultDevice })
  await flushPromises()
}

async function generate(page: VueWrapper, prompt: string): Promise<void> {
  await page.get('[data-testid=playground-prompt] textarea').setValue(prompt)
  await page.get('[data-testid=playground-generate]').trigger('click')
  await flushPromises()
}

describe('PlaygroundView', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    fake.modelsList.mockResolvedValue([modelSummary('m1')])
    fake.runsList.mockResolvedValue([run('r1', { method: 'lora' })])
    fake.settingsGet.mockResolvedValue(settingsState({ defaultDevice: 'cpu' }))
    fake.playgroundGenerate.mockResolvedValue(playgroundResult())
    fake.runsShow.mockResolvedValue({ run: run('r1'), config: { data: { format: 'auto' } }, folder: '/runs/r1', latest: {}, checkpoints: [], adapter: '/runs/r1/adapter', importedFrom: null })
  })

  afterEach(() => {
    wrapper?.unmount()
    wrapper = null
  })

  it('offers the Settings default device, sends it, then sends the device the user picks', async () => {
    const page = await mountPlayground()
    expect(select(page, 'playground-device-choice').text()).toBe('CPU')
    await choose(page, 'playground-model', 'm1')
    await generate(page, 'the sea is')
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ modelId: 'm1', prompt: 'the sea is', device: 'cpu' }))

    // The default changed in Settings is followed until the user picks here, and no longer after.
    await saveDefaultDevice('cuda')
    expect(select(page, 'playground-device-choice').text()).toBe('CUDA (NVIDIA)')
    await choose(page, 'playground-device-choice', 'webgpu')
    expect(select(page, 'playground-device-choice').text()).toBe('WebGPU')
    await saveDefaultDevice('dml')
    expect(select(page, 'playground-device-choice').text()).toBe('WebGPU')
    await generate(page, 'the sea is')
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ device: 'webgpu' }))
  })

  it('says where the answers were generated, and why the providers passed over were not used', async () => {
    fake.playgroundGenerate.mockResolvedValueOnce(playgroundResult({
      device: 'webgpu, fp16 frozen products, float32 adapters',
      notUsed: [{ provider: 'cuda', reason: 'libcudart.so.12 not found; install CUDA 12' }],
    }))
    const page = await mountPlayground()
    await choose(page, 'playground-run', 'r1')
    await generate(page, 'the sea is')
    expect(page.get('[data-testid=playground-device]').text()).toBe('Generated on webgpu, fp16 frozen products, float32 adapters')
    expect(page.get('[data-testid=playground-not-used]').text()).toBe('Not used: cuda — libcudart.so.12 not found; install CUDA 12')

    await generate(page, 'the sea was')
    expect(page.get('[data-testid=playground-device]').text()).toBe('Generated on cpu, float32')
    expect(page.find('[data-testid=playground-not-used]').exists()).toBe(false)
  })
  it("tries a cancelled run from its last checkpoint, as its page's Try it asks", async () => {
    fake.runsList.mockResolvedValue([run('r1', { method: 'lora' }), run('r2', { method: 'lora', status: 'cancelled' }), run('r3', { status: 'failed' })])
    const page = await mountPlayground('/playground?run=r2&checkpoint=last')
    expect(select(page, 'playground-run').props('options')).toEqual([expect.objectContaining({ value: 'r1' }), expect.objectContaining({ value: 'r2' })])
    expect(select(page, 'playground-checkpoint').text()).toBe('Last checkpoint')
    await generate(page, 'the sea is')
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ runId: 'r2', checkpoint: 'last' }))
  })

  it("uses the run's own template by default, saying why the chat template is off, and still offers raw text", async () => {
    // The defect: the model has no chat template, so the run trained through ChatML; the switch was
    // off with no reason and a plain prompt asked the adapter in a form it never saw.
    fake.modelsList.mockResolvedValue([modelSummary('m1', { hasChatTemplate: false })])
    fake.playgroundGenerate.mockResolvedValue(playgroundResult({ template: 'chatml', promptTokens: 9 }))
    const page = await mountPlayground()
    await choose(page, 'playground-run', 'r1')
    const format = select(page, 'playground-format')
    expect(format.text()).toBe('As the run trained (ChatML)')
    expect(format.props('options')).toContainEqual({ label: "Model's chat template", value: 'chat', disabled: true })
    expect(page.get('[data-testid=playground-format-help]').text()).toContain('This model has no chat template; the run trained through ChatML')
    await generate(page, 'the sea is')
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ runId: 'r1', format: 'run' }))
    expect(page.get('[data-testid=playground-template]').text()).toContain('Prompt (9 tokens) through ChatML')

    await choose(page, 'playground-format', 'raw')
    expect(page.get('[data-testid=playground-format-help]').text()).toContain('the run trained through ChatML')
    await generate(page, 'the sea is')
    expect(fake.playgroundGenerate).toHaveBeenLastCalledWith(expect.objectContaining({ runId: 'r1', format: 'raw' }))
  })

  it('says why a model without a chat template takes raw text when no run is chosen', async () => {
    fake.modelsList.mockResolvedValue([modelSummary('m1', { hasChatTemplate: false })])
    const page = await mountPlayground()
    await choose(page, 'playground-model', 'm1')
    expect(select(page, 'playground-format').text()).toBe('Raw text')
    expect(page.get('[data-testid=playground-format-help]').text()).toContain('This model has no chat template; choose a run')
  })

  it('shows how far the generation process got, and stops it without calling that an error', async () => {
    let refuse!: (error: unknown) => void
    fake.playgroundGenerate.mockImplementationOnce(() => new Promise((_, reject) => (refuse = reject)))
    fake.jobsCancel.mockImplementation(async ({ jobId }) => {
      refuse(new ApiCallError('conflict', 'Generation was stopped before it finished'))
      return { id: jobId, kind: 'generate', state: 'cancelled', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.000Z', error: null }
    })
    const page = await mountPlayground()
    await choose(page, 'playground-model', 'm1')
    await generate(page, 'the sea is')
    expect(page.get('[data-testid=playground-progress]').text()).toContain('Starting the generation process')

    fake.emit({ type: 'started', jobId: 'j1', kind: 'generate', pid: 42 })
    fake.emit({ type: 'progress', jobId: 'j1', done: 12, total: 96, label: 'Base model: 12 of 48 tokens' })
    await flushPromises()
    const progress = page.get('[data-testid=playground-progress]')
    expect(progress.text()).toContain('Base model: 12 of 48 tokens')
    expect(progress.attributes('data-done')).toBe('12')

    await page.get('[data-testid=playground-stop]').trigger('click')
    await flushPromises()
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'j1' })
    expect(page.find('[data-testid=playground-progress]').exists()).toBe(false)
    expect(page.get('[data-testid=playground-stopped]').text()).toContain('Stopped')
    expect(page.find('[data-testid=playground-error]').exists()).toBe(false)

    // The next generation starts clean and answers.
    fake.playgroundGenerate.mockResolvedValueOnce(playgroundResult())
    await generate(page, 'the sea is')
    expect(page.find('[data-testid=playground-stopped]').exists()).toBe(false)
    expect(page.get('[data-testid=playground-device]').text()).toBe('Generated on cpu, float32')
  })
})
