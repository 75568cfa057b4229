import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parseRunConfig, RunConfigError } from './run-config-text'
import type { RunConfig } from '../contract/run-config'

export { parseRunConfig, RunConfigError } from './run-config-text'

export function readRunConfigFile(path: string): RunConfig {
  const ext = extname(path).toLowerCase()
  if (!['.yaml', '.yml', '.json'].includes(ext)) throw new RunConfigError(path, [{ line: null, field: '', message: 'a run configuration is a .yaml, .yml or .json file' }])
  return parseRunConfig(readFileSync(path, 'utf8'), path)
}
