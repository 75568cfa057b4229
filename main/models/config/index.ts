export { parseModelConfig, readModelConfig } from './parse'
