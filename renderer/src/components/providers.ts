import type { ExecutionProviderStatus } from '../../../main/contract'

const providerLabels: Record<ExecutionProviderStatus['name'], string> = {
  cpu: 'CPU',
  cuda: 'CUDA (NVIDIA)',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  tensorrt: 'TensorRT (NVIDIA)',
  coreml: 'Core ML (Apple)',
}

export function providerLabel(name: ExecutionProviderStatus['name']): string {
  return providerLabels[name] ?? name
}
