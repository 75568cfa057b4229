// The adapters' public surface. Importing it registers every method (each folder registers
// itself) and checks that none is missing.
import './ia3'
import './mov'
import './lora'
import './molora'
import { assertAdapterRegistryComplete } from './registry'

assertAdapterRegistryComplete()

export * from './sites'
export * from './types'
export { createAdapter, type ConfiguredAdapter } from './create'
export { adapterConfigSchema, parseAdapterConfig, AdapterConfigError, ADAPTER_CONFIG_KEYS, type AdapterConfig, type AdapterConfigInput } from './config'
export { adapterMethod, registeredAdapterMethods, registerAdapterMethod } from './registry'
export { ACTIVATION_SITE_NAMES, DEFAULT_PROJECTION_SITES } from './common/config-fields'
export { siteName } from './common/attachment'
export { ia3ConfigSchema, type Ia3Config } from './ia3'
export { movConfigSchema, type MovConfig } from './mov'
export { loraConfigSchema, type LoraConfig } from './lora'
export { moloraConfigSchema, type MoloraConfig } from './molora'
