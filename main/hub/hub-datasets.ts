// A dataset repo on the Hub: its data files (parquet, JSONL, JSON, CSV, TSV) by split, and their
// download into the HF cache (datasets--ORG--NAME) for the import wizard, which reads them from
// there like any local file.
import { datasetInfo, listFiles, type ListFileEntry } from '@huggingface/hub'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { downloadRepoFiles, filesFromTree, type DownloadProgress, type StatfsFunction } from './download'
import { hubCall, type HubConnection } from './hub-api'
import { cachedSnapshot, listFiles as listCachedFiles } from './hub-cache'
import { HubError } from './hub-error'
import { isDataFile, splitsOf, type CardConfig } from './dataset-splits'

/** A data file of a dataset repo and the split its repo names (null when it names none). */
export interface HubDatasetFile {
  path: string
  size: number
  split: string | null
}

/** The contract's HubDatasetFiles. */
export interface HubDatasetFiles {
  repo: string
  /** The commit the files were listed at. */
  revision: string
  /** Data files only, by split (named splits first, in the repo's order), then path. */
  files: HubDatasetFile[]
  gated: boolean
  /** Where a gated dataset's conditions are accepted; null when not gated. */
  acceptUrl: string | null
}

export interface DownloadedDatasetFile {
  /** Its path in the repo. */
  path: string
  /** The file in the HF cache's snapshot: what `datasets import` reads. */
  localPath: string
  split: string | null
}

export interface DownloadedDataset {
  repo: string
  revision: string
  commit: string
  files: DownloadedDatasetFile[]
  /** Every file was in the cache already: no request was made. */
  fromCache: boolean
}

export interface DownloadDatasetOptions {
  connection: HubConnection & { cacheDir: string }
  repo: string
  /** Branch, tag or commit (default main). */
  revision?: string
  /** Paths in the repo to fetch; empty or left out: every data file. */
  files?: readonly string[]
  onProgress?: (progress: DownloadProgress) => void
  statfs?: StatfsFunction
}

/** The data files of a dataset repo at `revision` (default main), each with its split. */
export async function hubDatasetFiles(connection: HubConnection, repo: string, revision = 'main'): Promise<HubDatasetFiles> {
  const listing = await readDatasetRepo(connection, repo, revision)
  return { repo, revision: listing.commit, files: listing.files, gated: listing.gated !== false, acceptUrl: listing.gated ? datasetPage(connection, repo) : null }
}

/**
 * Downloads a dataset's data files (or the chosen ones) into the HF cache, verified and resumable
 * as model files are, and returns where they are. Files already in the cache at `revision` are
 * answered from the disk with no request, offline mode included.
 */
export async function downloadDatasetFiles(options: DownloadDatasetOptions): Promise<DownloadedDataset> {
  const { connection, repo } = options
  const revision = options.revision ?? 'main'
  const wanted = [...new Set(options.files ?? [])]
  // Offline, "every data file" can only mean those an earlier download left in the cache.
  const cached = wanted.length > 0 ? cachedFiles(connection.cacheDir, repo, revision, wanted) : connection.offline ? cachedDataFiles(connection.cacheDir, repo, revision) : null
  if (cached) return { repo, revision, commit: cached.commit, files: cached.files, fromCache: true }
  if (connection.offline) {
    throw new HubError('offline', `Offline mode (HF_HUB_OFFLINE) is on, so nothing is fetched, and the Hugging Face cache (${connection.cacheDir}) does not hold ${wanted.length > 0 ? wanted.join(', ') : 'the data files'} of dataset ${repo} at ${revision}. Unset HF_HUB_OFFLINE to download them.`)
  }
  const listing = await readDatasetRepo(connection, repo, revision)
  const chosen = wanted.length === 0 ? listing.files : wanted.map((path) => pickFile(listing, repo, path))
  if (chosen.length === 0) throw new HubError('not-found', `Dataset ${repo} has no data files we can import (parquet, JSONL, JSON, CSV or TSV).`)
  const entries = chosen.map((file) => listing.entries.get(file.path)!)
  const done = await downloadRepoFiles({
    kind: 'dataset', repo, revision, commit: listing.commit, files: filesFromTree(entries), cacheDir: connection.cacheDir,
    endpoint: connection.endpoint, token: connection.token, signal: connection.signal, timeoutMs: connection.timeoutMs,
    onProgress: options.onProgress, statfs: options.statfs,
  })
  const localPaths = new Map(done.files.map((f) => [f.path, f.localPath]))
  return { repo, revision, commit: done.commit, files: chosen.map((f) => ({ path: f.path, localPath: localPaths.get(f.path)!, split: f.split })), fromCache: false }
}

interface DatasetListing {
  commit: string
  gated: false | 'auto' | 'manual'
  files: HubDatasetFile[]
  /** The tree entry of each data file (its oid / LFS sha256, for the download's checks). */
  entries: Map<string, ListFileEntry>
}

async function readDatasetRepo(connection: HubConnection, repo: string, revision: string): Promise<DatasetListing> {
  return hubCall(connection, `list the files of dataset ${repo}`, async (client) => {
    const info = await datasetInfo({ ...client, name: repo, revision, additionalFields: ['cardData', 'sha'] })
    const entries = new Map<string, ListFileEntry>()
    for await (const entry of listFiles({ ...client, repo: { type: 'dataset', name: repo }, revision: info.sha, recursive: true })) {
      if (entry.type === 'file' && isDataFile(entry.path)) entries.set(entry.path, entry)
    }
    const configs = (info.cardData as { configs?: CardConfig[] } | undefined)?.configs
    const splits = splitsOf([...entries.keys()], Array.isArray(configs) ? configs : [])
    const files = [...entries.values()].map((entry) => ({ path: entry.path, size: entry.lfs?.size ?? entry.size, split: splits.get(entry.path) ?? null }))
    return { commit: info.sha, gated: info.gated, files: orderBySplit(files), entries }
  }, { kind: 'dataset', repo })
}

/** Files of one split together, named splits in the order the repo first lists them, unnamed last. */
function orderBySplit(files: HubDatasetFile[]): HubDatasetFile[] {
  const order = new Map<string | null, number>()
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) if (file.split !== null && !order.has(file.split)) order.set(file.split, order.size)
  const rank = (split: string | null) => (split === null ? Infinity : order.get(split)!)
  return [...files].sort((a, b) => rank(a.split) - rank(b.split) || a.path.localeCompare(b.path))
}

function pickFile(listing: DatasetListing, repo: string, path: string): HubDatasetFile {
  const file = listing.files.find((f) => f.path === path)
  if (file) return file
  const known = listing.files.map((f) => f.path)
  const list = known.length === 0 ? 'it has none we can import' : `its data files are ${known.slice(0, 10).join(', ')}${known.length > 10 ? ` and ${known.length - 10} more` : ''}`
  throw new HubError('not-found', `Dataset ${repo} has no data file ${path}; ${list}.`)
}

/**
 * The chosen files' snapshot paths when the cache has every one at `revision`; else null. Their
 * splits come from their paths alone: the card is not read without a request.
 */
function cachedFiles(cacheDir: string, repo: string, revision: string, paths: string[]): { commit: string; files: DownloadedDatasetFile[] } | null {
  const dir = cachedSnapshot(cacheDir, 'dataset', repo, revision)
  if (!dir) return null
  const files = paths.map((path) => ({ path, localPath: join(dir, ...path.split('/')), split: splitsOf([path]).get(path) ?? null }))
  if (!files.every((f) => existsSync(f.localPath))) return null
  return { commit: dir.split(/[\\/]/).pop()!, files }
}

/** Every data file the cache holds of `revision` (offline, with no files named); null when it holds none. */
function cachedDataFiles(cacheDir: string, repo: string, revision: string): { commit: string; files: DownloadedDatasetFile[] } | null {
  const dir = cachedSnapshot(cacheDir, 'dataset', repo, revision)
  const paths = dir ? listCachedFiles(dir).filter(isDataFile).sort() : []
  return paths.length > 0 ? cachedFiles(cacheDir, repo, revision, paths) : null
}

function datasetPage(connection: HubConnection, repo: string): string {
  return `${connection.endpoint}/datasets/${repo}`
}
