// A model from the Hub, from its name to a snapshot folder `models import` can register: what to
// fetch (the Hub's info and file tree through @huggingface/hub), whether we can train it, and the
// download itself. A revision already complete in the cache is answered from the disk, with no
// request; offline (HF_HUB_OFFLINE) only the cache answers.
import { listFiles, modelInfo, type ListFileEntry } from '@huggingface/hub'
import { SUPPORTED_MODEL_TYPES, trainableSibling } from '../engine/models/spec'
import { cachedSnapshot, missingModelFiles } from './hub-cache'
import { downloadRepoFiles, filesFromTree, type DownloadProgress, type HubFileToFetch, type StatfsFunction } from './download'
import { selectModelFiles } from './file-selection'
import { hubCall, type HubConnection as HubApiConnection } from './hub-api'
import { HubError, type HubErrorKind } from './hub-error'

/** Where the Hub is, who asks, and where files go (hub-api's connection, with the cache required). */
export interface HubConnection extends HubApiConnection {
  cacheDir: string
}

export interface ModelDownloadPlan {
  repo: string
  revision: string
  /** The commit `revision` points at now. */
  commit: string
  modelType: string | null
  /** config.architectures[0] as the Hub reports it. */
  architecture: string | null
  gated: false | 'auto' | 'manual'
  files: HubFileToFetch[]
  totalBytes: number
  skipped: string[]
  /** Why it cannot be downloaded; null when it can. */
  problem: string | null
  problemKind: HubErrorKind | null
  /** The snapshot folder when this commit is already complete in the cache. */
  cachedPath: string | null
}

/** Asks the Hub about `repo` at `revision` (info with its commit and config, then the file tree at that commit). */
export async function planModelDownload(connection: HubConnection, repo: string, revision = 'main'): Promise<ModelDownloadPlan> {
  if (connection.offline) throw offlineError(connection, repo, revision, null)
  const target = { kind: 'model', repo } as const
  const info = await hubCall(connection, `read ${repo}'s information`, (client) => modelInfo({ ...client, name: repo, revision, additionalFields: ['sha', 'config'] }), target)
  const commit = info.sha
  if (!commit) throw new HubError('not-found', `${connection.endpoint} gave no commit for ${repo} at ${revision}.`)
  const entries = await hubCall(connection, `list ${repo}'s files`, async (client) => {
    const all: ListFileEntry[] = []
    for await (const entry of listFiles({ ...client, repo, revision: commit, recursive: true })) if (entry.type === 'file') all.push(entry)
    return all
  }, target)
  const selection = selectModelFiles(repo, entries)
  const config = (info.config ?? {}) as { model_type?: string; architectures?: string[] }
  const modelType = config.model_type ?? null
  let problem = selection.problem
  let problemKind: HubErrorKind | null = selection.problemKind === 'not-a-model' ? 'unsupported' : selection.problemKind
  if (!problem && modelType !== null && !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    const sibling = trainableSibling(modelType)
    problem = `${repo} is a ${modelType} model${config.architectures?.[0] ? ` (${config.architectures[0]})` : ''}; we train ${SUPPORTED_MODEL_TYPES.join(', ')}.${sibling ? ` ${sibling}` : ''}`
    problemKind = 'unsupported'
  }
  const files = filesFromTree(selection.files)
  const snapshot = cachedSnapshot(connection.cacheDir, 'model', repo, commit)
  return {
    repo,
    revision,
    commit,
    modelType,
    architecture: config.architectures?.[0] ?? null,
    gated: info.gated,
    files,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    skipped: selection.skipped,
    problem,
    problemKind,
    cachedPath: snapshot && missingModelFiles(snapshot).length === 0 ? snapshot : null,
  }
}

export interface DownloadModelOptions extends HubConnection {
  repo: string
  revision?: string
  onProgress?: (progress: DownloadProgress) => void
  /** Told once the Hub has answered what will be fetched (not called when the cache answers). */
  onPlan?: (plan: ModelDownloadPlan) => void
  statfs?: StatfsFunction
}

export interface DownloadedModel {
  repo: string
  revision: string
  commit: string
  /** The snapshot folder: what `models import` registers. */
  folder: string
  /** Found complete in the cache: nothing was fetched, no request was made. */
  fromCache: boolean
}

/**
 * The model's snapshot folder: from the cache when `revision` is complete there (no request), else
 * downloaded. A repo we cannot train (no safetensors, an architecture we do not build) is refused
 * before any file is fetched.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadedModel> {
  const { repo } = options
  const revision = options.revision ?? 'main'
  const cached = cachedSnapshot(options.cacheDir, 'model', repo, revision)
  if (cached && missingModelFiles(cached).length === 0) {
    return { repo, revision, commit: cached.split(/[\\/]/).pop() ?? revision, folder: cached, fromCache: true }
  }
  if (options.offline) throw offlineError(options, repo, revision, cached)
  const plan = await planModelDownload(options, repo, revision)
  if (plan.problem) throw new HubError(plan.problemKind ?? 'unsupported', plan.problem)
  options.onPlan?.(plan)
  const done = await downloadRepoFiles({
    kind: 'model', repo, revision, commit: plan.commit, files: plan.files, cacheDir: options.cacheDir, endpoint: options.endpoint,
    token: options.token, signal: options.signal, onProgress: options.onProgress, timeoutMs: options.timeoutMs, statfs: options.statfs,
  })
  return { repo, revision, commit: done.commit, folder: done.folder, fromCache: false }
}

function offlineError(connection: HubConnection, repo: string, revision: string, snapshot: string | null): HubError {
  const what = snapshot
    ? `its snapshot ${snapshot} lacks ${missingModelFiles(snapshot).join(', ')}`
    : `the cache (${connection.cacheDir}) has no ${repo} at ${revision}`
  return new HubError('offline', `HF_HUB_OFFLINE is set, so nothing is fetched, and ${what}. Unset HF_HUB_OFFLINE to download it, or pick a model already in the cache.`)
}
