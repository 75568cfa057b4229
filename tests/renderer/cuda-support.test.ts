// @vitest-environment happy-dom
// The System page's CUDA set-up on the fake api: the sentence about the device runs will use, the
// Install CUDA support offer, its download's figures and Cancel, and the check that follows.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { CudaSupport } from '../../main/contract'
import { fake } from './fake-api'
import { runningJob, systemInfo } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: SystemView } = await import('../../renderer/src/views/SystemView.vue')

const folder = '/home/test/.mixture-studio/runtimes/onnxruntime-1.30.0-cuda12'
const offered: CudaSupport = {
  state: 'not-installed', offered: true, folder, driver: '550.54.14',
  detail: `An NVIDIA GPU is here, but onnxruntime's CUDA provider is not installed. Install CUDA support downloads it (a few hundred MB) from NuGet into ${folder}.`,
  missing: 'CUDA cannot run on this machine yet. Missing: cuDNN 9: libcudnn.so.9 not found; install cuDNN 9 for CUDA 12 (NVIDIA\'s cudnn9-cuda-12 package). Install what is missing, then try again.',
}
const installed: CudaSupport = { ...offered, state: 'installed', offered: false, missing: null, detail: `CUDA support is installed in ${folder}; new runs and probes load it.` }

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

async function mountSystem(): Promise<VueWrapper> {
  wrapper = mount(SystemView, { attachTo: document.body })
  await flushPromises()
  return wrapper
}

const byTestId = (page: VueWrapper, id: string) => page.find(`[data-testid="${id}"]`)

describe('System page: CUDA support', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('says which device runs will use at the top of the providers card, and offers nothing without an NVIDIA GPU', async () => {
    fake.systemInfo.mockResolvedValue(systemInfo())
    const page = await mountSystem()
    expect(byTestId(page, 'auto-device').text()).toBe('Runs will train on the CPU: no GPU provider is available here (CUDA: no NVIDIA GPU; WebGPU: no GPU device).')
    expect(byTestId(page, 'cuda-support').exists()).toBe(false)
  })

  it('installs with the download\'s figures and a Cancel, then checks CUDA and reads the facts again', async () => {
    fake.systemInfo.mockResolvedValue(systemInfo({ cuda: offered }))
    const page = await mountSystem()
    expect(byTestId(page, 'cuda-missing').text()).toMatch(/cuDNN 9: libcudnn\.so\.9 not found/)
    fake.systemInstallCuda.mockResolvedValueOnce(runningJob('install-1', { kind: 'cuda-install' }))
    await byTestId(page, 'cuda-install').trigger('click')
    await flushPromises()
    expect(fake.systemInstallCuda).toHaveBeenCalledWith({})
    expect(byTestId(page, 'cuda-install').exists()).toBe(false)
    expect(byTestId(page, 'cuda-transfer').text()).toMatch(/Starting the install/)

    fake.emit({
      type: 'progress', jobId: 'install-1', done: 50_000_000, total: 200_000_000, label: 'Downloading Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0',
      transfer: { file: 'microsoft.ml.onnxruntime.gpu.linux.1.30.0.nupkg', bytes: 50_000_000, totalBytes: 200_000_000, bytesPerSecond: 10_000_000, etaSeconds: 15 },
    })
    await flushPromises()
    const transfer = byTestId(page, 'cuda-transfer')
    expect(transfer.attributes('data-bytes')).toBe('50000000')
    expect(transfer.text()).toMatch(/ of .* · .*\/s · .* left/)

    fake.jobsCancel.mockResolvedValueOnce(runningJob('install-1', { kind: 'cuda-install' }))
    await byTestId(page, 'cuda-cancel').trigger('click')
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'install-1' })

    // It finished before the cancel took: the check starts, and the page reads the facts again.
    fake.systemInfo.mockResolvedValue(systemInfo({ cuda: installed }))
    fake.systemCheckCuda.mockResolvedValueOnce(runningJob('check-1', { kind: 'cuda-check' }))
    const loadsBefore = fake.systemInfo.mock.calls.length
    fake.emit({ type: 'result', jobId: 'install-1', data: { folder, onnxruntime: '1.30.0', package: { id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version: '1.30.0', sha512: null }, alreadyInstalled: false } })
    fake.emit({ type: 'ended', jobId: 'install-1', state: 'completed', error: null, lastWords: null })
    await flushPromises()
    expect(fake.systemCheckCuda).toHaveBeenCalledWith({})
    expect(fake.systemInfo.mock.calls.length).toBeGreaterThan(loadsBefore)
    expect(page.text()).toMatch(/Opening a CUDA session in a separate process/)

    fake.emit({ type: 'result', jobId: 'check-1', data: { ok: false, folder, message: 'A CUDA session did not open (Failed to load library). CUDA cannot run on this machine yet. Missing: cuDNN 9.' } })
    fake.emit({ type: 'ended', jobId: 'check-1', state: 'completed', error: null, lastWords: null })
    await flushPromises()
    const result = byTestId(page, 'cuda-check-result')
    expect(result.text()).toMatch(/CUDA does not run yet.*A CUDA session did not open.*Missing: cuDNN 9/)
    expect(byTestId(page, 'cuda-support').attributes('data-state')).toBe('installed')
    expect(byTestId(page, 'cuda-check').exists()).toBe(true)
  })

  it('shows the bytes so far when the feed gives no total', async () => {
    fake.systemInfo.mockResolvedValue(systemInfo({ cuda: offered }))
    const page = await mountSystem()
    fake.systemInstallCuda.mockResolvedValueOnce(runningJob('install-3', { kind: 'cuda-install' }))
    await byTestId(page, 'cuda-install').trigger('click')
    await flushPromises()
    fake.emit({
      type: 'progress', jobId: 'install-3', done: 3_000_000, total: 0, label: 'Downloading',
      transfer: { file: 'package.nupkg', bytes: 3_000_000, totalBytes: 0, bytesPerSecond: 1_000_000, etaSeconds: null },
    })
    await flushPromises()
    expect(byTestId(page, 'cuda-transfer').text()).toMatch(/^.* downloaded · .*\/s/)
    expect(byTestId(page, 'cuda-transfer').text()).not.toMatch(/ of /)
  })

  it('shows why an install failed, and offers it again', async () => {
    fake.systemInfo.mockResolvedValue(systemInfo({ cuda: offered }))
    const page = await mountSystem()
    fake.systemInstallCuda.mockResolvedValueOnce(runningJob('install-2', { kind: 'cuda-install' }))
    await byTestId(page, 'cuda-install').trigger('click')
    await flushPromises()
    fake.emit({ type: 'ended', jobId: 'install-2', state: 'failed', error: 'Could not reach api.nuget.org (ENOTFOUND): this machine looks offline.', lastWords: null })
    await flushPromises()
    expect(byTestId(page, 'cuda-install-failed').text()).toMatch(/Could not install CUDA support.*looks offline/)
    expect(byTestId(page, 'cuda-install').exists()).toBe(true)
    expect(fake.systemCheckCuda).not.toHaveBeenCalled()
  })
})
