// Run configurations as YAML files: what the form saves is what `mixture-studio train --config`
// reads, and loading uses the CLI's own parser (main/config/run-config-text.ts), so a bad file
// is refused with the same line-numbered problems in both places.
import { stringify } from 'yaml'
import { parseRunConfig, RunConfigError } from '../../../main/config/run-config-text'
import type { RunConfig, RunConfigInput } from '../../../main/contract/run-config'

export function configToYaml(config: RunConfigInput): string {
  const header = '# Mixture Studio run configuration: train it with `mixture-studio train --config <this file>`\n'
  return header + stringify(config, { lineWidth: 0 })
}

export type YamlLoad = { ok: true; config: RunConfig } | { ok: false; problems: string[] }

export function configFromYaml(text: string, fileName: string): YamlLoad {
  try {
    return { ok: true, config: parseRunConfig(text, fileName) }
  } catch (error) {
    if (error instanceof RunConfigError) {
      return { ok: false, problems: error.problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.field ? `${p.field}: ` : ''}${p.message}`) }
    }
    return { ok: false, problems: [error instanceof Error ? error.message : String(error)] }
  }
}
