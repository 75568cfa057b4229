import { createServices, type Services } from '../services'
import { resolveDataDir } from '../store'
import { homedir } from 'node:os'
import type { CliContext } from './command'

/**
 * The services over the user's data dir (MIXTURE_STUDIO_HOME or the platform default).
 * `longCallsInProcess`: a one-shot command imports and exports in its own process (see ServicesOptions).
 * `startsQueuedRuns`: only `serve`, which stays open; a one-shot command would start queued runs
 * and end under them.
 */
export function openServices(context: CliContext, options: { longCallsInProcess?: boolean; startsQueuedRuns?: boolean } = {}): Services {
  // The Hub's variables (HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN) as the command was given them.
  return createServices({ dataDir: cliDataDir(context), startsQueuedRuns: false, hub: { env: context.env }, ...options })
}

/** The user's data dir as the CLI sees it: MIXTURE_STUDIO_HOME, else the platform default. */
export function cliDataDir(context: CliContext): string {
  return resolveDataDir({ env: context.env, platform: process.platform, home: homedir() })
}
