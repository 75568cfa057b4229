import { DeviceChoice, type ExecutionProviderStatus } from '../../../main/contract'

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

export function deviceChoiceLabel(choice: DeviceChoice): string {
  return choice === 'auto' ? 'Automatic' : providerLabel(choice)
}

/**
 * The devices a user can ask for (the contract's list, in its order), each with its label and
 * what `note` adds to it, e.g. whether this machine has it.
 */
export function deviceChoiceOptions(note: (choice: DeviceChoice) => string = () => ''): { value: DeviceChoice; label: string }[] {
  return DeviceChoice.options.map((choice) => ({ value: choice, label: `${deviceChoiceLabel(choice)}${note(choice)}` }))
}
