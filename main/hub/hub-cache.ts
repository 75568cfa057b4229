// The Hugging Face cache layout, the one huggingface_hub writes and reads, so that what we download
// is found by Python tools and what they downloaded is found here:
//   <cache>/models--ORG--NAME/blobs/<etag>            the file's bytes, named by its etag (sha256 for
//                                                     LFS files, the git blob id for the others)
//   <cache>/models--ORG--NAME/snapshots/<commit>/<path>  a relative symlink to its blob (a copy where
//                                                     links are not allowed, as on Windows without
//                                                     developer mode)
//   <cache>/models--ORG--NAME/refs/<revision>          the commit a branch or tag pointed at
// (datasets--ORG--NAME for datasets). Everything here reads the disk only: no request.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

export type HubRepoKind = 'model' | 'dataset'

const COMMIT = /^[0-9a-f]{40}$/

/** models--ORG--NAME (datasets--ORG--NAME). */
export function repoFolderName(kind: HubRepoKind, repo: string): string {
  return `${kind}s--${repo.split('/').join('--')}`
}

export function repoCacheDir(cacheDir: string, kind: HubRepoKind, repo: string): string {
  return join(cacheDir, repoFolderName(kind, repo))
}

export function blobPath(cacheDir: string, kind: HubRepoKind, repo: string, etag: string): string {
  return join(repoCacheDir(cacheDir, kind, repo), 'blobs', etag)
}

export function snapshotDir(cacheDir: string, kind: HubRepoKind, repo: string, commit: string): string {
  return join(repoCacheDir(cacheDir, kind, repo), 'snapshots', commit)
}

/** The commit a revision names in the cache: itself when it is a commit id, else refs/<revision>; null when unknown. */
export function cachedCommit(cacheDir: string, kind: HubRepoKind, repo: string, revision: string): string | null {
  if (COMMIT.test(revision)) return revision
  try {
    const commit = readFileSync(join(repoCacheDir(cacheDir, kind, repo), 'refs', revision), 'utf8').trim()
    return COMMIT.test(commit) ? commit : null
  } catch {
    return null
  }
}

/** Records that `revision` pointed at `commit` (written last, once the snapshot is complete). */
export function writeRef(cacheDir: string, kind: HubRepoKind, repo: string, revision: string, commit: string): void {
  if (revision === commit) return
  const path = join(repoCacheDir(cacheDir, kind, repo), 'refs', revision)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.tmp`, commit)
  renameSync(`${path}.tmp`, path)
}

/**
 * Puts the blob at `path` inside the snapshot: a relative symlink, as huggingface_hub makes (the
 * cache can move), else a copy where the OS refuses links.
 */
export function linkIntoSnapshot(blob: string, snapshotFile: string): void {
  mkdirSync(dirname(snapshotFile), { recursive: true })
  rmSync(snapshotFile, { force: true })
  try {
    symlinkSync(relative(dirname(snapshotFile), blob), snapshotFile)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EINVAL') throw error
    copyFileSync(blob, snapshotFile)
  }
}

/** The snapshot folder of `revision` when the cache has it (whatever it holds), with no request; else null. */
export function cachedSnapshot(cacheDir: string, kind: HubRepoKind, repo: string, revision: string): string | null {
  const commit = cachedCommit(cacheDir, kind, repo, revision)
  if (!commit) return null
  const dir = snapshotDir(cacheDir, kind, repo, commit)
  return existsSync(dir) ? dir : null
}

/**
 * What a snapshot folder lacks to be a model we can register: config.json, tokenizer.json, and
 * safetensors weights (model.safetensors, or the index and every shard it names). Empty when
 * complete. A link whose blob is gone counts as missing.
 */
export function missingModelFiles(dir: string): string[] {
  const has = (path: string) => existsSync(join(dir, path))
  const missing: string[] = []
  if (!has('config.json')) missing.push('config.json')
  if (!has('tokenizer.json')) missing.push('tokenizer.json')
  if (has('model.safetensors.index.json')) {
    try {
      const index = JSON.parse(readFileSync(join(dir, 'model.safetensors.index.json'), 'utf8')) as { weight_map?: Record<string, string> }
      for (const shard of new Set(Object.values(index.weight_map ?? {}))) if (!has(shard)) missing.push(shard)
    } catch {
      missing.push('model.safetensors.index.json (unreadable)')
    }
  } else if (!has('model.safetensors') && !listFiles(dir).some((path) => path.endsWith('.safetensors'))) {
    missing.push('model.safetensors')
  }
  return missing
}

export interface CachedModel {
  /** ORG/NAME */
  repo: string
  /** The snapshot's commit. */
  commit: string
  /** Branch or tag names (refs/) that point at it. */
  refs: string[]
  /** The snapshot folder, what `models import` registers. */
  path: string
  /** The bytes its files take (links followed). */
  sizeBytes: number
}

/**
 * The complete models in the cache (config, tokenizer, safetensors), one per repo: the snapshot
 * refs/main points at when complete, else the most recently written complete one. Reads the
 * disk only, so it answers offline and makes no request.
 */
export function findCachedModels(cacheDir: string): CachedModel[] {
  const out: CachedModel[] = []
  for (const folder of safeReaddir(cacheDir)) {
    if (!folder.startsWith('models--')) continue
    const repo = folder.slice('models--'.length).split('--').join('/')
    const root = join(cacheDir, folder)
    const refs = readRefs(join(root, 'refs'))
    const complete = safeReaddir(join(root, 'snapshots'))
      .filter((commit) => COMMIT.test(commit) && missingModelFiles(join(root, 'snapshots', commit)).length === 0)
      .map((commit) => ({ commit, mtime: statSync(join(root, 'snapshots', commit)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime)
    if (complete.length === 0) continue
    const chosen = complete.find((c) => c.commit === refs.get('main')) ?? complete[0]
    const path = join(root, 'snapshots', chosen.commit)
    out.push({
      repo,
      commit: chosen.commit,
      refs: [...refs].filter(([, commit]) => commit === chosen.commit).map(([name]) => name),
      path,
      sizeBytes: listFiles(path).reduce((sum, file) => sum + fileSize(join(path, file)), 0),
    })
  }
  return out.sort((a, b) => a.repo.localeCompare(b.repo))
}

function readRefs(dir: string, prefix = ''): Map<string, string> {
  const refs = new Map<string, string>()
  for (const name of safeReaddir(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      for (const [ref, commit] of readRefs(path, `${prefix}${name}/`)) refs.set(ref, commit)
    } else {
      const commit = readFileSync(path, 'utf8').trim()
      if (COMMIT.test(commit)) refs.set(`${prefix}${name}`, commit)
    }
  }
  return refs
}

/** Paths of the files under `dir`, relative, with forward slashes. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = []
  for (const entry of safeReaddir(join(dir, prefix))) {
    const relativePath = prefix ? `${prefix}/${entry}` : entry
    let isDirectory = false
    try {
      isDirectory = statSync(join(dir, relativePath)).isDirectory()
    } catch {
      // a dangling link (its blob removed): not a file we can use
      continue
    }
    if (isDirectory) out.push(...listFiles(dir, relativePath))
    else out.push(relativePath)
  }
  return out
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/** A folder's entries, or none when it cannot be read (missing, not a folder). */
export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}
