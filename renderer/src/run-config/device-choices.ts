// Which devices New run's Device select greys out: those the System page lists as unavailable on
// this machine, each with the first part of its reason (the whole one, with what to install, is on
// the System page and in Start's refusal of a run asking for it).
import type { ExecutionProviderStatus } from '../../../main/contract'

export function unavailableDevices(providers: readonly ExecutionProviderStatus[]): Record<string, string> {
  return Object.fromEntries(providers.filter((p) => !p.available).map((p) => [p.name, p.reason.split(';')[0].trim()]))
}
