// The storage view (System → Storage, `mixture-studio store usage`): what the data folder holds by
// part, its largest runs, every quantized copy with its standing, the Hugging Face cache beside it,
// and the free space on the disk. And the one deletion it offers: quantized copies, which are
// caches the app makes again when a run needs them. Runs, datasets and backups are deleted where
// they are listed (Runs, Datasets, `store`), each with its own checks.
import { existsSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type StorageCopy, type StorageRun } from '../contract'
import { hubSettings, type HubEnv } from '../hub/hub-config'
import { listQuantizedCopies, removeQuantizedCopies, sameFolder, type QuantizedCopyEntry } from '../models/quantized/copies'
import { quantizedRoot } from '../models/quantized/manifest'
import { copyStandingJudge, isUnusedStanding } from '../models/quantized/standing'
import { dataFolderParts, diskSpace } from '../store/data-folder-usage'
import { folderSize } from '../store/folder-size'
import { runsDir, type Store } from '../store'
import { copyUsers, whyKeptFor } from './quantized-copy-users'

/** How many run folders the view names (largest first); the rest are in the runs part's total. */
const LARGEST_RUNS = 5

export function createStorageHandlers(store: Store, dataDir: string, env: HubEnv = process.env) {
  /** Every copy with its standing and users, largest first. */
  const describeCopies = (): { entry: QuantizedCopyEntry; copy: StorageCopy }[] => {
    const standing = copyStandingJudge()
    const users = copyUsers(store)
    const models = store.catalog.listModels()
    return listQuantizedCopies(dataDir)
      .map((entry) => {
        const model = entry.model === null ? undefined : models.find((m) => sameFolder(m.path, entry.model!))
        const copy: StorageCopy = {
          dir: entry.dir,
          scheme: entry.scheme,
          bytes: entry.bytes,
          modifiedAt: entry.modifiedAt,
          modelPath: entry.model,
          model: model ? { id: model.id, name: model.name } : null,
          standing: standing(entry),
          usedBy: users(entry) ?? null,
        }
        return { entry, copy }
      })
      .sort((a, b) => b.copy.bytes - a.copy.bytes)
  }

  return {
    async storageShow(): Promise<CallOutput<'storageShow'>> {
      const hub = hubCacheUsage(hubSettings(env).cacheDir)
      const copies = describeCopies().map((c) => c.copy)
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

    async storageDeleteCopies({ dirs }: CallParsedInput<'storageDeleteCopies'>): Promise<CallOutput<'storageDeleteCopies'>> {
      const described = describeCopies()
      let targets: typeof described
      if (dirs === 'unused') {
        targets = described.filter((c) => isUnusedStanding(c.copy.standing))
      } else {
        // Only folders the listing names: a path elsewhere (or a typo) must never reach rmSync.
        targets = dirs.map((dir) => {
          const found = described.find((c) => resolve(c.entry.dir) === resolve(dir))
          if (!found) throw new ApiCallError('invalid_input', `${dir} is not a quantized copy in ${quantizedRoot(dataDir)}; nothing was deleted (mixture-studio store usage lists them)`)
          return found
        })
      }
      const inUse = targets.filter((c) => c.copy.usedBy)
      const { removed, kept, freedBytes } = removeQuantizedCopies(targets.filter((c) => !c.copy.usedBy).map((c) => c.entry))
      return {
        deleted: removed.map((e) => ({ dir: e.dir, bytes: e.bytes })),
        kept: [...inUse.map((c) => ({ dir: c.entry.dir, bytes: c.entry.bytes, why: whyKeptFor(c.copy.usedBy!) })), ...kept.map(({ entry, why }) => ({ dir: entry.dir, bytes: entry.bytes, why }))],
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

/** The Hub cache's size and how many repos (models and datasets) it holds. */
function hubCacheUsage(path: string): CallOutput<'storageShow'>['hubCache'] {
  if (!existsSync(path)) return { path, exists: false, bytes: 0, repos: 0 }
  let repos = 0
  try {
    repos = readdirSync(path).filter((name) => name.startsWith('models--') || name.startsWith('datasets--')).length
  } catch {
    // unreadable: its size below says 0 too
  }
  return { path, exists: true, bytes: folderSize(path).bytes, repos }
}
