// The bytes a folder holds on disk, for the storage view (data-folder-usage.ts). A link is counted
// as itself, never followed: a run folder may link to a model folder elsewhere, and the data folder
// must not be said to hold what it only points at. What cannot be read (removed meanwhile, no
// permission) is skipped and counted, so that a figure never silently claims to be whole.
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export interface FolderSize {
  /** The files' sizes (their apparent sizes, as a file manager shows them). */
  bytes: number
  files: number
  /** Entries that could not be read; 0 when the figure is whole. */
  unreadable: number
}

/** What `path` holds: a folder walked without following links, or one file. Nothing there: zeros. */
export function folderSize(path: string): FolderSize {
  const { newestMs: _, ...size } = folderSizeAndNewest(path)
  return size
}

/**
 * folderSize, and the newest modification time among the entries, the folder itself included
 * (ms; 0 when nothing is there): whether anything still writes to it (quantized/copies.ts).
 */
export function folderSizeAndNewest(path: string): FolderSize & { newestMs: number } {
  const size = { bytes: 0, files: 0, unreadable: 0, newestMs: 0 }
  // Iterative: a deep tree must not exhaust the stack.
  const pending = [path]
  while (pending.length > 0) {
    const current = pending.pop()!
    let stat
    try {
      stat = lstatSync(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') size.unreadable += 1
      continue
    }
    size.newestMs = Math.max(size.newestMs, stat.mtimeMs)
    if (!stat.isDirectory()) {
      size.bytes += stat.size
      size.files += 1
      continue
    }
    try {
      for (const name of readdirSync(current)) pending.push(join(current, name))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') size.unreadable += 1
    }
  }
  return size
}
