// The device a run will hold, for the run queue: its configuration's `device`, with `auto`
// resolved as the training process resolves it (provider-choice.ts: the first provider this
// machine offers; if that session fails, the run falls back and its log says so, but it was
// queued for the device it meant to use).
import { RunConfig, type RunDevice } from '../contract'
import { currentProviderFacts, planProviders } from '../runtime'
import type { Device } from '../runtime/provider-choice'

export type DeviceResolver = (device: Device) => RunDevice

export const resolveOnThisMachine: DeviceResolver = (device) => (device === 'auto' ? (planProviders('auto', currentProviderFacts()).candidates[0] ?? 'cpu') : device)

/** A stored configuration's device; one that cannot be read (a hand-edited record) counts as `auto`. */
export function configuredDevice(config: unknown): Device {
  const parsed = RunConfig.shape.device.safeParse((config as { device?: unknown } | null)?.device)
  return parsed.success ? parsed.data : 'auto'
}
