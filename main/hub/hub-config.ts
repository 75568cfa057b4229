// Where the Hub is and where its files go, read from the environment as the Python client
// (huggingface_hub) reads it, so a mirror, an offline machine and a cache that other tools filled
// all work the same here as there.
import { homedir } from 'node:os'
import { join } from 'node:path'

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co'

export interface HubSettings {
  /** HF_ENDPOINT (a mirror), else https://huggingface.co; never a trailing slash. */
  endpoint: string
  /** HF_HUB_OFFLINE: nothing is fetched, the cache alone answers. */
  offline: boolean
  /** HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (XDG_CACHE_HOME honoured). */
  cacheDir: string
}

export type HubEnv = Readonly<Record<string, string | undefined>>

export function hubSettings(env: HubEnv = process.env, home: string = homedir()): HubSettings {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '')
  return { endpoint, offline: isTruthy(env.HF_HUB_OFFLINE), cacheDir: hubCacheDir(env, home) }
}

/** The token the environment gives (HF_TOKEN, or its older name), used when none is stored. */
export function envToken(env: HubEnv = process.env): string | null {
  return env.HF_TOKEN?.trim() || env.HUGGING_FACE_HUB_TOKEN?.trim() || null
}

function hubCacheDir(env: HubEnv, home: string): string {
  // The same order as huggingface_hub's constants.py, the older HUGGINGFACE_HUB_CACHE included.
  const explicit = env.HF_HUB_CACHE?.trim() || env.HUGGINGFACE_HUB_CACHE?.trim()
  if (explicit) return expandHome(explicit, home)
  const hfHome = env.HF_HOME?.trim() || join(env.XDG_CACHE_HOME?.trim() || join(home, '.cache'), 'huggingface')
  return join(expandHome(hfHome, home), 'hub')
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
}

/** huggingface_hub's truthy values: 1, ON, YES, TRUE, in any case. */
function isTruthy(value: string | undefined): boolean {
  return ['1', 'on', 'yes', 'true'].includes((value ?? '').trim().toLowerCase())
}
