// The data folder's use of the disk, by part (contract/storage.ts names them), and the free space on
// its volume: what a user of large models needs to see before a 4 GB copy or a checkpoint fills it.
// Read only: nothing here deletes.
import { readdirSync, statfsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { StoragePartKind, type StoragePart } from '../contract/storage'
import { folderSize, type FolderSize } from './folder-size'

/** The parts that are one top-level folder, named as the part is; the run store's files match by prefix. */
const FOLDER_PARTS: ReadonlySet<StoragePartKind> = new Set(['backups', 'runs', 'datasets', 'quantized', 'runtimes', 'demo'])

function partOf(name: string): StoragePartKind {
  // studio.db, its -wal and -shm, and studio.db.damaged-<time> / .replaced-<time> that restore set aside.
  if (name === 'studio.db' || name.startsWith('studio.db-') || name.startsWith('studio.db.')) return 'store'
  return FOLDER_PARTS.has(name as StoragePartKind) ? (name as StoragePartKind) : 'other'
}

/**
 * Every part, largest first; a part with nothing in it is listed at 0. `elsewhere`: folders shown
 * on their own (the Hugging Face cache, when HF_HUB_CACHE points into the data folder), not counted
 * in a part when they are one of its top-level entries.
 */
export function dataFolderParts(dataDir: string, elsewhere: readonly string[] = []): StoragePart[] {
  const skipped = new Set(elsewhere.map((path) => resolve(path)))
  const sizes = new Map<StoragePartKind, FolderSize>()
  let names: string[] = []
  try {
    names = readdirSync(dataDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  for (const name of names) {
    if (skipped.has(resolve(dataDir, name))) continue
    const kind = partOf(name)
    const size = folderSize(join(dataDir, name))
    const sum = sizes.get(kind) ?? { bytes: 0, files: 0, unreadable: 0 }
    sizes.set(kind, { bytes: sum.bytes + size.bytes, files: sum.files + size.files, unreadable: sum.unreadable + size.unreadable })
  }
  return StoragePartKind.options
    .map((kind) => ({ kind, path: FOLDER_PARTS.has(kind) ? join(dataDir, kind) : dataDir, ...(sizes.get(kind) ?? { bytes: 0, files: 0, unreadable: 0 }) }))
    .sort((a, b) => b.bytes - a.bytes)
}

/** Free and total bytes of the volume `path` is on (free: what this user may still write), or null. */
export function diskSpace(path: string): { freeBytes: number; totalBytes: number } | null {
  try {
    const s = statfsSync(path)
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
  } catch {
    return null // no such folder yet, or a system without statfs
  }
}
