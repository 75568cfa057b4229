import { describe, expect, it } from 'vitest'
import { describeAutoDevice } from '../../../main/runtime/auto-device'
import type { ProviderFacts } from '../../../main/runtime/execution-providers'

const linuxBackends = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
]

const linux = (options: { cudaInstalled: boolean; gpuDevicePresent: boolean }): ProviderFacts => ({
  platform: 'linux',
  arch: 'x64',
  backends: linuxBackends,
  hasProviderLibrary: (name) => options.cudaInstalled && (name === 'cuda' || name === 'tensorrt'),
  gpuDevicePresent: options.gpuDevicePresent,
})

describe('which device `auto` trains on, and why', () => {
  it('Linux with an NVIDIA GPU and CUDA installed: CUDA, then WebGPU, then the CPU', () => {
    const summary = describeAutoDevice(linux({ cudaInstalled: true, gpuDevicePresent: true }), { nvidiaGpu: true })
    expect(summary).toEqual({
      provider: 'cuda',
      sentence: 'Runs will train on the NVIDIA GPU with CUDA: it comes first on Linux, and its provider libraries are installed. If its session cannot open, the GPU with WebGPU on Vulkan, then the CPU is tried, and the run\'s log says why.',
    })
  })

  it('Linux with an NVIDIA GPU but no CUDA: WebGPU, pointing at Install CUDA support', () => {
    const summary = describeAutoDevice(linux({ cudaInstalled: false, gpuDevicePresent: true }), { nvidiaGpu: true })
    expect(summary.provider).toBe('webgpu')
    expect(summary.sentence).toBe(
      'Runs will train on the GPU with WebGPU on Vulkan: the provider preferred before it cannot run here (CUDA: not installed, Install CUDA support is below). If its session cannot open, the CPU is tried, and the run\'s log says why.',
    )
  })

  it('Linux without a GPU: the CPU, saying why neither GPU provider is used', () => {
    const summary = describeAutoDevice(linux({ cudaInstalled: false, gpuDevicePresent: false }), { nvidiaGpu: false })
    expect(summary).toEqual({ provider: 'cpu', sentence: 'Runs will train on the CPU: no GPU provider is available here (CUDA: no NVIDIA GPU; WebGPU: no GPU device).' })
  })

  it('Windows: DirectML', () => {
    const windows: ProviderFacts = { platform: 'win32', arch: 'x64', backends: [{ name: 'cpu', bundled: true }, { name: 'dml', bundled: true }, { name: 'webgpu', bundled: true }], hasProviderLibrary: () => false }
    expect(describeAutoDevice(windows).sentence).toBe(
      'Runs will train on the GPU with DirectML: it comes first on Windows. If its session cannot open, the GPU with WebGPU on Direct3D 12, then the CPU is tried, and the run\'s log says why.',
    )
  })

  it('macOS: WebGPU on Metal', () => {
    const mac: ProviderFacts = { platform: 'darwin', arch: 'arm64', backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'coreml', bundled: true }], hasProviderLibrary: () => false }
    expect(describeAutoDevice(mac)).toEqual({
      provider: 'webgpu',
      sentence: 'Runs will train on the GPU with WebGPU on Metal: it comes first on macOS. If its session cannot open, the CPU is tried, and the run\'s log says why.',
    })
  })

  it('a platform with no GPU provider: the CPU', () => {
    const bsd: ProviderFacts = { platform: 'freebsd', arch: 'x64', backends: [{ name: 'cpu', bundled: true }], hasProviderLibrary: () => false }
    expect(describeAutoDevice(bsd).sentence).toBe('Runs will train on the CPU: onnxruntime-node has no GPU provider for freebsd.')
  })
})
