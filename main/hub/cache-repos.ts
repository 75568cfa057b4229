// The repos in the Hugging Face cache, for the storage view: each model's or dataset's folder
// (models--ORG--NAME, datasets--ORG--NAME: its blobs, snapshots and refs), what it takes, and
// whether a download is writing it now. The cache is shared with Python tools; deleting a repo is
// the storage service's call, never done here.
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { folderSize } from '../store/folder-size'
import { safeReaddir, type HubRepoKind } from './hub-cache'

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

/**
 * The cache's bytes and every repo folder in it, largest first, each top-level entry walked once
 * (a cache of large models is the one folder here worth not walking twice). Nothing when it does not exist.
 */
export function cacheUsage(cacheDir: string, now = Date.now()): { bytes: number; repos: CacheRepo[] } {
  let bytes = 0
  const repos: CacheRepo[] = []
  for (const name of safeReaddir(cacheDir)) {
    const repo = repoOf(join(cacheDir, name), now)
    if (repo) repos.push(repo)
    bytes += repo ? repo.bytes : folderSize(join(cacheDir, name)).bytes // .locks, xet and the like
  }
  return { bytes, repos: repos.sort((a, b) => b.bytes - a.bytes) }
}

/** The repo whose folder `folder` is, directly in `cacheDir`; null for any other path. */
export function cacheRepoAt(cacheDir: string, folder: string, now = Date.now()): CacheRepo | null {
  const path = resolve(folder)
  if (dirname(path) !== resolve(cacheDir) || !existsSync(path)) return null
  return repoOf(path, now)
}

function repoOf(folder: string, now: number): CacheRepo | null {
  const name = basename(folder)
  const kind = PREFIXES.find(([prefix]) => name.startsWith(prefix))
  if (!kind) return null
  const repo = name.slice(kind[0].length).split('--').join('/')
  return { kind: kind[1], repo, folder, bytes: folderSize(folder).bytes, downloading: partGrowing(join(folder, 'blobs'), now) }
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
