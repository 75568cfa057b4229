// What lies in <dataDir>/quantized/ (quantize-folder.ts writes it), and its removal. A copy is a
// cache of a model folder's weights: a 1.1B model's int4 copy is about 690 MB, a 7B model's 4 GB,
// so none may be left behind where nothing will read it again:
// - a copy of weight files that have changed since (another key) is never read again: it goes
//   when the new copy is made;
// - a copy an older version of the app wrote (another manifest version) likewise;
// - a temporary folder whose writer was killed mid-copy (its pid is in the name, and nothing has
//   written to it for 10 minutes) likewise;
// - a removed model's copies go with it (services/models.ts).
// Removal is best effort: a copy a running job has mapped cannot be deleted on Windows; it is
// reported as kept, with why, and goes at the next sweep.
import { existsSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { formatBytes } from '../../contract/format-bytes'
import { folderSizeAndNewest } from '../../store/folder-size'
import { isProcessAlive } from '../../store/process-liveness'
import { quantizedRoot, readCopyManifest } from './manifest'

export type QuantizedCopyState =
  /** Whole and readable by this version of the app. */
  | 'ready'
  /** Whole, but written by another version of the app (it will never be read again). */
  | 'outdated'
  /** A temporary folder a live process is writing now (or was, less than 10 minutes ago). */
  | 'writing'
  /** A temporary folder whose writer is gone (killed mid-copy) and that nothing wrote for 10 minutes, or a folder without a manifest. */
  | 'abandoned'

export interface QuantizedCopyEntry {
  dir: string
  state: QuantizedCopyState
  /** The model folder it was made from (its manifest's), when known. */
  model: string | null
  scheme: 'int4' | 'int8' | null
  /** Its key: the weight files' paths, sizes and times when it was made (quantize-folder.ts). */
  key: string | null
  /** Bytes on disk (the weights file and the manifest). */
  bytes: number
  modifiedAt: string
}

export interface RemovedCopies {
  removed: QuantizedCopyEntry[]
  kept: { entry: QuantizedCopyEntry; why: string }[]
  freedBytes: number
}

const TEMPORARY = /\.(\d+)\.tmp$/
/** How long a temporary folder must have been left unwritten before it counts as abandoned. */
const QUIET_MS = 10 * 60 * 1000

/** Every folder under the data folder's quantized/ (none when it does not exist), oldest first. */
export function listQuantizedCopies(dataDir: string): QuantizedCopyEntry[] {
  const root = quantizedRoot(dataDir)
  if (!existsSync(root)) return []
  const entries: QuantizedCopyEntry[] = []
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    let stat
    try {
      stat = statSync(dir)
    } catch {
      continue // removed meanwhile
    }
    if (!stat.isDirectory()) continue
    entries.push(describeFolder(dir, name, stat.mtime))
  }
  return entries.sort((a, b) => a.modifiedAt.localeCompare(b.modifiedAt) || a.dir.localeCompare(b.dir))
}

function describeFolder(dir: string, name: string, mtime: Date): QuantizedCopyEntry {
  const { bytes, newestMs } = folderSizeAndNewest(dir)
  const modifiedAt = mtime.toISOString()
  const temporary = TEMPORARY.exec(name)
  if (temporary) {
    // Its writer's pid gone AND nothing written for a while: a data folder another machine shares
    // has live writers whose pids are not ours, and they write all the time.
    const quiet = Date.now() - newestMs > QUIET_MS
    return { dir, state: !processAlive(Number(temporary[1])) && quiet ? 'abandoned' : 'writing', model: null, scheme: null, key: null, bytes, modifiedAt }
  }
  const manifest = readCopyManifest(dir)
  if (manifest.kind === 'missing') return { dir, state: 'abandoned', model: null, scheme: null, key: null, bytes, modifiedAt }
  return { dir, state: manifest.kind === 'current' ? 'ready' : 'outdated', model: manifest.model, scheme: manifest.scheme, key: manifest.key, bytes, modifiedAt }
}

/** The copies made from the model folder `modelDir` (any scheme, any key, any version). */
export function copiesOfModel(entries: QuantizedCopyEntry[], modelDir: string): QuantizedCopyEntry[] {
  return entries.filter((e) => e.model !== null && sameFolder(e.model, modelDir))
}

/** True when the two paths name one folder (through links where both exist). */
export function sameFolder(a: string, b: string): boolean {
  return canonical(a) === canonical(b)
}

/**
 * What the copy `keep`, just made, makes unreadable for good: the same model's
 * copies for the same scheme under another key or version, and every abandoned temporary folder.
 */
export function supersededBy(entries: QuantizedCopyEntry[], keep: { dir: string; model: string; scheme: 'int4' | 'int8' }): QuantizedCopyEntry[] {
  const sameModel = new Set(copiesOfModel(entries, keep.model).filter((e) => e.scheme === keep.scheme && e.dir !== keep.dir && e.state !== 'writing'))
  return entries.filter((e) => sameModel.has(e) || e.state === 'abandoned')
}

/** Deletes each folder of `entries`, never a `writing` one; what could not be deleted is kept, with why. */
export function removeQuantizedCopies(entries: QuantizedCopyEntry[]): RemovedCopies {
  const result: RemovedCopies = { removed: [], kept: [], freedBytes: 0 }
  for (const entry of entries) {
    if (entry.state === 'writing') {
      result.kept.push({ entry, why: 'a running job is writing it' })
      continue
    }
    try {
      rmSync(entry.dir, { recursive: true, force: true })
      result.removed.push(entry)
      result.freedBytes += entry.bytes
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'EBUSY' || code === 'EPERM' ? 'it is in use (a running job has it open)' : (error as Error).message
      result.kept.push({ entry, why })
    }
  }
  return result
}

/** "1 int4 copy (144.0 MiB)", "2 copies (400.5 MiB)": for log lines and the CLI. */
export function describeCopies(entries: QuantizedCopyEntry[]): string {
  const schemes = new Set(entries.map((e) => e.scheme))
  const scheme = schemes.size === 1 ? [...schemes][0] : null
  const bytes = entries.reduce((n, e) => n + e.bytes, 0)
  const noun = entries.length === 1 ? 'copy' : 'copies'
  return `${entries.length} ${scheme ? `${scheme} ` : ''}${noun} (${formatBytes(bytes)})`
}

/** True while a process with this pid exists (on this machine: the data folder is local). */
function processAlive(pid: number): boolean {
  // Never 0 or less: kill(0) would ask about this process's whole group.
  return Number.isSafeInteger(pid) && pid > 0 && isProcessAlive(pid)
}

function canonical(dir: string): string {
  try {
    return realpathSync(dir)
  } catch {
    return dir
  }
}
