// Methods register themselves from their folder's index.ts; ./index.ts imports every folder and
// then asserts that each name in ADAPTER_METHOD_NAMES arrived, so a method cannot be half-added.
import type { AdapterConfig } from './config'
import { ADAPTER_METHOD_NAMES, type AdapterMethodName } from './names'
import type { AdapterMethod } from './types'

const methods = new Map<AdapterMethodName, AdapterMethod<AdapterConfig>>()

export function registerAdapterMethod<C extends AdapterConfig>(method: AdapterMethod<C>): void {
  if (!ADAPTER_METHOD_NAMES.includes(method.name)) throw new Error(`adapter method '${method.name}' is not in ADAPTER_METHOD_NAMES (${ADAPTER_METHOD_NAMES.join(', ')}); add it there first`)
  if (methods.has(method.name)) throw new Error(`adapter method '${method.name}' is registered twice; each method folder registers itself once`)
  methods.set(method.name, method as unknown as AdapterMethod<AdapterConfig>)
}

export function adapterMethod(name: AdapterMethodName): AdapterMethod<AdapterConfig> {
  const method = methods.get(name)
  if (!method) throw new Error(`adapter method '${name}' is not registered; import main/engine/adapters (its index registers every method)`)
  return method
}

export function registeredAdapterMethods(): readonly AdapterMethod<AdapterConfig>[] {
  return [...methods.values()]
}

/** Throws naming every method of ADAPTER_METHOD_NAMES that has not registered. */
export function assertAdapterRegistryComplete(): void {
  const missing = ADAPTER_METHOD_NAMES.filter((name) => !methods.has(name))
  if (missing.length > 0) throw new Error(`adapter methods not registered: ${missing.join(', ')}; import their folders in main/engine/adapters/index.ts`)
}
