export * from './spec'
export { parseModelConfig, readModelConfig } from './parse'
