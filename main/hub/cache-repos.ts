// The repos in the Hugging Face cache, for the storage view: each model's or dataset's folder
// (models--ORG--NAME, datasets--ORG--NAME: its blobs, snapshots and refs), what it takes, and
// whether a download is writing it now. The cache is shared with Python tools; deleting a repo is
// the storage service's call, never done here.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { folderSize } from '../store/folder-size'
import type { HubRepoKind } from './hub-cache'

export interface CacheRepo {
  kind: HubRepoKind
  /** ORG/NAME */
  repo: string
  folder: string
  bytes: number
  /** A blob's `.incomplete` part was written in the last 10 minutes: a download is (or was just) under way. */
  downloading: boolean
}

/** How recently a part file must have grown for its download to count as running. */
const DOWNLOAD_QUIET_MS = 10 * 60 * 1000

const PREFIXES: [string, HubRepoKind][] = [['models--', 'model'], ['datasets--', 'dataset']]

/** Every repo folder in the cache, largest first; none when the cache does not exist. */
export function listCacheRepos(cacheDir: string, now = Date.now()): CacheRepo[] {
  const repos: CacheRepo[] = []
  for (const name of safeReaddir(cacheDir)) {
    const kind = PREFIXES.find(([prefix]) => name.startsWith(prefix))
    if (!kind) continue
    const folder = join(cacheDir, name)
    const repo = name.slice(kind[0].length).split('--').join('/')
    repos.push({ kind: kind[1], repo, folder, bytes: folderSize(folder).bytes, downloading: partGrowing(join(folder, 'blobs'), now) })
  }
  return repos.sort((a, b) => b.bytes - a.bytes)
}

function partGrowing(blobs: string, now: number): boolean {
  return safeReaddir(blobs).some((name) => {
    if (!name.endsWith('.incomplete')) return false
    try {
      return now - statSync(join(blobs, name)).mtimeMs < DOWNLOAD_QUIET_MS
    } catch {
      return false // finished (renamed) meanwhile
    }
  })
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
