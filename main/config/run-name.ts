// A run's display name. A run started from the app, the CLI, or registered again from its folder
// after a restore (store/reregister-runs.ts) gets the same name from the same configuration.
import { basename } from 'node:path'
import type { RunConfig } from '../contract/run-config'

/** A run's display name when the config gives none: "mov on <model folder>". */
export function defaultRunName(config: RunConfig): string {
  return config.name ?? `${config.adapter.method} on ${basename(config.model.path)}`
}
