import { describe, expect, it } from 'vitest'
import { describeProviders, explainProviderFailure, type ProviderFacts } from '../../../main/runtime/execution-providers'

const linuxBackends = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
]

function statusOf(facts: ProviderFacts, name: string) {
  return describeProviders(facts).find((p) => p.name === name)
}

describe('describeProviders', () => {
  const linux = (libs: string[]): ProviderFacts => ({
    platform: 'linux',
    arch: 'x64',
    backends: linuxBackends,
    hasProviderLibrary: (name) => libs.includes(name),
  })

  it('covers every provider the contract knows, cpu always available', () => {
    const statuses = describeProviders(linux([]))
    expect(statuses.map((s) => s.name).sort()).toEqual(['coreml', 'cpu', 'cuda', 'dml', 'tensorrt', 'webgpu'])
    expect(statusOf(linux([]), 'cpu')).toMatchObject({ available: true, reason: 'always available' })
  })

  it('says CUDA needs its provider libraries, and how to get them', () => {
    const cuda = statusOf(linux([]), 'cuda')
    expect(cuda?.available).toBe(false)
    expect(cuda?.reason).toMatch(/CUDA provider libraries are not installed.*ONNXRUNTIME_NODE_INSTALL=cuda12/)
    expect(statusOf(linux(['cuda']), 'cuda')).toMatchObject({ available: true })
  })

  it('keeps DirectML to Windows and Core ML to macOS', () => {
    expect(statusOf(linux([]), 'dml')).toEqual({ name: 'dml', available: false, reason: 'DirectML runs only on Windows' })
    expect(statusOf(linux([]), 'coreml')?.reason).toBe('Core ML runs only on macOS')
    const windows: ProviderFacts = {
      platform: 'win32',
      arch: 'x64',
      backends: [
        { name: 'cpu', bundled: true },
        { name: 'dml', bundled: true },
        { name: 'webgpu', bundled: true },
      ],
      hasProviderLibrary: () => false,
    }
    expect(statusOf(windows, 'dml')).toMatchObject({ available: true })
    expect(statusOf(windows, 'cuda')?.reason).toContain('no cuda build for win32/x64')
  })

  it('says NVIDIA providers do not exist on macOS', () => {
    const mac: ProviderFacts = {
      platform: 'darwin',
      arch: 'arm64',
      backends: [{ name: 'cpu', bundled: true }, { name: 'webgpu', bundled: true }, { name: 'coreml', bundled: true }],
      hasProviderLibrary: () => false,
    }
    expect(statusOf(mac, 'cuda')?.reason).toBe('NVIDIA GPUs are not supported on macOS')
    expect(statusOf(mac, 'webgpu')?.available).toBe(true)
  })
})

describe('explainProviderFailure', () => {
  it('turns a missing CUDA library into an instruction', () => {
    const reason = explainProviderFailure('cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library')
    expect(reason).toMatch(/^OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library — .*cuda12/)
  })

  it('keeps the useful part of a WebGPU adapter failure', () => {
    const raw =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 lambda adapter_result.status == Success was false. Failed to get a WebGPU adapter: No supported adapters\n'
    expect(explainProviderFailure('webgpu', raw, 'linux')).toBe(
      "Failed to get a WebGPU adapter: No supported adapters — install the Vulkan loader (libvulkan1) and the GPU vendor's Vulkan driver",
    )
    expect(explainProviderFailure('webgpu', raw, 'win32')).toMatch(/D3D12/)
  })
})
