// The storage view (System → Storage, `mixture-studio store usage`): what the data folder holds by
// part, its largest runs, every quantized copy with its standing, the Hugging Face cache beside it,
// and the free space on the disk. And the deletions it offers: quantized copies, which are caches
// the app makes again when a run needs them, and a repo of the Hugging Face cache that no model,
// dataset or run here uses (other tools share that cache: they would download it again). Runs,
// datasets and backups are deleted where they are listed (Runs, Datasets, `store`), each with its
// own checks.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type StorageCopy, type StorageHubRepo, type StorageReport, type StorageRun } from '../contract'
import { cacheRepoAt, cacheUsage, type CacheRepo } from '../hub/cache-repos'
import { hubSettings, type HubEnv } from '../hub/hub-config'
import { listQuantizedCopies, removeQuantizedCopies, sameFolder, type QuantizedCopyEntry } from '../models/quantized/copies'
import { quantizedRoot } from '../models/quantized/manifest'
import { copyStandingJudge, isUnusedStanding } from '../models/quantized/standing'
import { dataFolderParts, diskSpace } from '../store/data-folder-usage'
import { folderSize } from '../store/folder-size'
import { runsDir, type Store } from '../store'
import { activeRunModels, copyUsers, whyKeptFor } from './quantized-copy-users'

/** How many run folders the view names (largest first); the rest are in the runs part's total. */
const LARGEST_RUNS = 5

export function createStorageHandlers(store: Store, dataDir: string, env: HubEnv = process.env) {
  /** Every copy with its standing and users, largest first. */
  const describeCopies = (): StorageCopy[] => {
    const standing = copyStandingJudge()
    const users = copyUsers(store)
    const models = store.catalog.listModels()
    return listQuantizedCopies(dataDir)
      .map((entry) => {
        const model = entry.model === null ? undefined : models.find((m) => sameFolder(m.path, entry.model!))
        return {
          dir: entry.dir,
          scheme: entry.scheme,
          bytes: entry.bytes,
          modifiedAt: entry.modifiedAt,
          modelPath: entry.model,
          model: model ? { id: model.id, name: model.name } : null,
          standing: standing(entry),
          usedBy: users(entry) ?? null,
        }
      })
      .sort((a, b) => b.bytes - a.bytes)
  }

  /** A function telling what here lies inside a cache repo: registered models and datasets, active runs' models. */
  const hubRepoUsers = () => {
    const inside = (folder: string, path: string) => {
      const rel = relative(resolve(folder), resolve(path))
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
    }
    const models = store.catalog.listModels()
    const datasets = store.catalog.listDatasets()
    const runs = activeRunModels(store).map(({ run, model }) => ({ ...run, path: model.path }))
    const named = (r: { id: string; name: string }) => ({ id: r.id, name: r.name })
    return (repo: CacheRepo): StorageHubRepo => ({
      ...repo,
      models: models.filter((m) => inside(repo.folder, m.path)).map(named),
      datasets: datasets.filter((d) => inside(repo.folder, d.path)).map(named),
      runs: runs.filter((run) => inside(repo.folder, run.path)).map(named),
    })
  }

  /** The cache's bytes and repos, each with what uses it here. */
  const hubCacheUsage = (path: string): StorageReport['hubCache'] => {
    if (!existsSync(path)) return { path, exists: false, bytes: 0, repos: [] }
    const { bytes, repos } = cacheUsage(path)
    return { path, exists: true, bytes, repos: repos.map(hubRepoUsers()) }
  }

  return {
    async storageShow(): Promise<CallOutput<'storageShow'>> {
      const hub = hubCacheUsage(hubSettings(env).cacheDir)
      const copies = describeCopies()
      const unused = copies.filter((c) => isUnusedStanding(c.standing) && !c.usedBy)
      const parts = dataFolderParts(dataDir, [hub.path])
      const runs = runFolders(store, dataDir)
      return {
        dataDir,
        disk: diskSpace(dataDir),
        totalBytes: parts.reduce((n, p) => n + p.bytes, 0),
        parts,
        largestRuns: runs.slice(0, LARGEST_RUNS),
        runFolders: runs.length,
        quantizedCopies: copies,
        unusedCopies: { count: unused.length, bytes: unused.reduce((n, c) => n + c.bytes, 0) },
        hubCache: hub,
      }
    },

    async storageDeleteHubRepo({ folder }: CallParsedInput<'storageDeleteHubRepo'>): Promise<CallOutput<'storageDeleteHubRepo'>> {
      const cacheDir = hubSettings(env).cacheDir
      // Only a repo folder directly in the cache: a typo or a path elsewhere must never reach rmSync.
      const repo = cacheRepoAt(cacheDir, folder)
      const entry = repo && hubRepoUsers()(repo)
      if (!entry) throw new ApiCallError('invalid_input', `${folder} is not a repo folder of the Hugging Face cache ${cacheDir}; nothing was deleted (mixture-studio store usage lists them)`)
      const why = whyHubRepoStays(entry)
      if (why) throw new ApiCallError('conflict', `${entry.repo} stays in the Hugging Face cache: ${why}. Nothing was deleted.`)
      rmSync(entry.folder, { recursive: true, force: true })
      return { folder: entry.folder, repo: entry.repo, bytes: entry.bytes }
    },

    async storageDeleteCopies({ dirs }: CallParsedInput<'storageDeleteCopies'>): Promise<CallOutput<'storageDeleteCopies'>> {
      const entries = listQuantizedCopies(dataDir)
      let targets: QuantizedCopyEntry[]
      if (dirs === 'unused') {
        const standing = copyStandingJudge()
        targets = entries.filter((e) => isUnusedStanding(standing(e)))
      } else {
        // Only folders the listing names: a path elsewhere (or a typo) must never reach rmSync.
        targets = dirs.map((dir) => {
          const found = entries.find((e) => resolve(e.dir) === resolve(dir))
          if (!found) throw new ApiCallError('invalid_input', `${dir} is not a quantized copy in ${quantizedRoot(dataDir)}; nothing was deleted (mixture-studio store usage lists them)`)
          return found
        })
      }
      const users = copyUsers(store)
      const inUse = targets.flatMap((entry) => {
        const user = users(entry)
        return user ? [{ dir: entry.dir, bytes: entry.bytes, why: whyKeptFor(user) }] : []
      })
      const { removed, kept, freedBytes } = removeQuantizedCopies(targets.filter((entry) => !users(entry)))
      return {
        deleted: removed.map((e) => ({ dir: e.dir, bytes: e.bytes })),
        kept: [...inUse, ...kept.map(({ entry, why }) => ({ dir: entry.dir, bytes: entry.bytes, why }))],
        freedBytes,
      }
    },
  }
}

/** Each folder under runs/, largest first, named from the run store where it knows the run. */
function runFolders(store: Store, dataDir: string): StorageRun[] {
  const root = runsDir(dataDir)
  let names: string[] = []
  try {
    names = readdirSync(root)
  } catch {
    return [] // no run yet
  }
  return names
    .map((id) => {
      const run = store.runs.get(id)
      return { id, name: run?.name ?? null, status: run?.status ?? null, bytes: folderSize(join(root, id)).bytes }
    })
    .sort((a, b) => b.bytes - a.bytes)
}

/** Why a cache repo may not be deleted now, in words; null when nothing here uses it. */
function whyHubRepoStays(repo: StorageHubRepo): string | null {
  const list = (items: { id: string; name: string }[], noun: string) => items.map((i) => `${noun} "${i.name}" (${i.id})`).join(', ')
  if (repo.runs.length) return `${list(repo.runs, 'run')} ${repo.runs.length === 1 ? 'is' : 'are'} training on it; delete it once ${repo.runs.length === 1 ? 'that run ends' : 'they end'}`
  if (repo.downloading) return 'a download wrote to it in the last 10 minutes; delete it once the download ends'
  const holders = [list(repo.models, 'model'), list(repo.datasets, 'dataset')].filter(Boolean).join(', ')
  if (holders) return `${holders} ${repo.models.length + repo.datasets.length === 1 ? 'lies' : 'lie'} inside it; remove ${repo.models.length + repo.datasets.length === 1 ? 'it' : 'them'} on the ${repo.models.length ? 'Models' : 'Datasets'} page first`
  return null
}
