export { createServices, type Services, type ServicesOptions, type CallHandlers } from './services'
export { dispatchCall, isCallName, invalidInput, toApiError, type CallResult } from './dispatch'
export { collectSystemInfo } from './system-info'
export { ensureTokenizedCache, type TokenCacheRequest } from './dataset-cache'
