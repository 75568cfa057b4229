import { describe, expect, it } from 'vitest'
import type { CudaMachine } from '../../../main/runtime/cuda-requirements'
import { describeCudaSupport, type CudaSupportFacts } from '../../../main/services/cuda-support'

const folder = '/data/runtimes/onnxruntime-1.30.0-cuda12'
const gpu: CudaMachine = { deviceNode: true, procVersion: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  x', smiDriverVersion: null, ldCache: new Map(), libraryDirs: [] }
const linux = (overrides: Partial<CudaSupportFacts> = {}): CudaSupportFacts => ({
  platform: 'linux', arch: 'x64', besideOnnxruntime: false, folder, folderState: { state: 'absent' }, machine: gpu, ...overrides,
})

describe('whether the System page offers Install CUDA support', () => {
  it('offers it on Linux x64 with an NVIDIA GPU and nothing installed, saying what CUDA 12 still lacks', () => {
    const support = describeCudaSupport(linux())
    expect(support).toMatchObject({ state: 'not-installed', offered: true, folder, driver: '550.54.14' })
    expect(support.detail).toMatch(/Install CUDA support downloads it .* from NuGet into \/data\/runtimes\/onnxruntime-1\.30\.0-cuda12/)
    expect(support.missing).toMatch(/the CUDA 12 runtime: libcudart\.so\.12.*; cuDNN 9: libcudnn\.so\.9 not found/)
    expect(support.missing).not.toMatch(/NVIDIA driver/)
  })

  it('offers it again when the folder cannot be used, saying why', () => {
    const support = describeCudaSupport(linux({ folderState: { state: 'unusable', problem: `${folder} was installed for onnxruntime 1.29.0, this is 1.30.0` } }))
    expect(support).toMatchObject({ state: 'unusable', offered: true })
    expect(support.detail).toMatch(/cannot be used: .*installed for onnxruntime 1\.29\.0, this is 1\.30\.0\. Install it again\./)
  })

  it('does not offer it without an NVIDIA GPU, once installed, beside onnxruntime-node, or off Linux x64', () => {
    const noGpu = { ...gpu, deviceNode: false, procVersion: null }
    expect(describeCudaSupport(linux({ machine: noGpu }))).toMatchObject({ state: 'no-nvidia-gpu', offered: false })
    const manifest = { onnxruntime: '1.30.0', package: { id: 'Microsoft.ML.OnnxRuntime.Gpu.Linux', version: '1.30.0', sha512: null }, installedAt: '2026-01-01T00:00:00Z' }
    expect(describeCudaSupport(linux({ folderState: { state: 'complete', manifest } }))).toMatchObject({ state: 'installed', offered: false, detail: expect.stringMatching(/installed in \/data\/runtimes/) })
    expect(describeCudaSupport(linux({ besideOnnxruntime: true }))).toMatchObject({ state: 'beside-onnxruntime', offered: false })
    expect(describeCudaSupport(linux({ platform: 'win32', machine: null }))).toMatchObject({ state: 'other-platform', offered: false, detail: expect.stringMatching(/Windows trains on the GPU with DirectML/) })
    expect(describeCudaSupport(linux({ platform: 'darwin', arch: 'arm64', machine: null })).detail).toMatch(/macOS trains on the GPU with WebGPU on Metal/)
  })
})
