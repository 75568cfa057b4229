// Run configurations as YAML files: what the form saves is what `mixture-studio train --config`
// reads, and loading uses the CLI's own parser (main/config/run-config-text.ts), so a bad file
// is refused with the same line-numbered problems in both places.
import { stringify } from 'yaml'
import { relativeConfigPaths, resolveConfigPaths } from '../../../main/config/config-paths'
import { parseRunConfig, RunConfigError } from '../../../main/config/run-config-text'
import type { RunConfig, RunConfigInput } from '../../../main/contract/run-config'

export function configToYaml(config: RunConfigInput): string {
  const header = '# Mixture Studio run configuration: train it with `mixture-studio train --config <this file>`\n'
  return header + stringify(config, { lineWidth: 0 })
}

/** A refusal says what kind it is in its title: a file that is no run configuration, or one whose paths cannot be placed. */
export type YamlLoad = { ok: true; config: RunConfig } | { ok: false; title: string; problems: string[] }

const NOT_A_CONFIG = 'This file is not a run configuration Mixture Studio can use'

/**
 * The configuration in `text`, its relative paths resolved against `folder`, the folder of the file
 * it was read from, as `train --config` resolves them. Null when that folder is unknown: a page
 * given a file by the browser (web mode) is told its name, never its folder. Resolving against the
 * server's folder instead gave a run other files than the ones beside the YAML, so a relative path
 * is then refused, naming its field, for the user to write it out.
 */
export function configFromYaml(text: string, fileName: string, folder: string | null): YamlLoad {
  try {
    const config = parseRunConfig(text, fileName)
    if (folder !== null) return { ok: true, config: resolveConfigPaths(config, folder) }
    const relative = relativeConfigPaths(config)
    if (relative.length === 0) return { ok: true, config }
    return {
      ok: false,
      title: 'Write the paths in this file out in full: a browser does not tell the page which folder they start from',
      problems: relative.map(({ field, path }) =>
        `${field}: "${path}" is relative to the file's folder, which the browser does not tell this page; write it as an absolute path and load the file again, or choose it in the form`),
    }
  } catch (error) {
    if (error instanceof RunConfigError) {
      return { ok: false, title: NOT_A_CONFIG, problems: error.problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.field ? `${p.field}: ` : ''}${p.message}`) }
    }
    return { ok: false, title: NOT_A_CONFIG, problems: [error instanceof Error ? error.message : String(error)] }
  }
}
