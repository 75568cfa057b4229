// @vitest-environment happy-dom
// The Playground page mounted whole (form, answers, device line) on the fake api: the device
// sent is the Settings default until the user picks one, and the answers say where they ran.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory, createRouter } from 'vue-router'
import { NSelect } from 'naive-ui'
import { fake } from './fake-api'
import { modelSummary } from './dataset-fixtures'
import { playgroundResult, run, settingsState } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: PlaygroundView } = await import('../../renderer/src/views/PlaygroundView.vue')
const { useSettingsStore } = await import('../../renderer/src/stores/settings')

let wrapper: VueWrapper | null = null

async function mountPlayground(): Promise<VueWrapper> {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/playground', component: PlaygroundView }] })
  await router.push('/playground')
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
})
