import { existsSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type FileEntry } from '../contract'
import { browsableRoots, resolveBrowsable, rootOf } from './browsable-path'

/** More entries than anyone scrolls through; the rest are counted, and the path field still reaches them. */
export const MAX_LISTED_ENTRIES = 2000

/** The most a run configuration read for Load YAML may weigh: a few KiB is usual. */
export const MAX_CONFIG_BYTES = 1024 * 1024

const CONFIG_EXTENSIONS = new Set(['yaml', 'yml', 'json'])

/** filesList: one folder of the home folder or the data folder, for web mode's in-page browser; filesReadConfig: Load YAML there. */
export function createFileHandlers(dataDir: string, home: string = homedir()) {
  return {
    async filesList(input: CallParsedInput<'filesList'>): Promise<CallOutput<'filesList'>> {
      const roots = browsableRoots(home, dataDir)
      const real = resolveBrowsable(input.path, roots, home)
      const stats = statSync(real)
      // A file's path (typed, or the field's current value) opens its folder with the file selected.
      const folder = stats.isDirectory() ? real : dirname(real)
      const selected = stats.isDirectory() ? null : basename(real)
      const root = rootOf(folder, roots)
      if (!root) throw new ApiCallError('forbidden', `${folder} is outside the folders this browser shows.`)
      const entries = listEntries(folder, input)
      return {
        path: folder,
        parent: folder === root.path ? null : dirname(folder),
        roots,
        entries: entries.slice(0, MAX_LISTED_ENTRIES),
        omitted: Math.max(0, entries.length - MAX_LISTED_ENTRIES),
        selected,
        looksLikeModel: existsSync(join(folder, 'config.json')),
      }
    },
    async filesReadConfig({ path }: CallParsedInput<'filesReadConfig'>): Promise<CallOutput<'filesReadConfig'>> {
      const real = resolveBrowsable(path, browsableRoots(home, dataDir), home)
      const stats = statSync(real)
      if (!stats.isFile()) throw new ApiCallError('invalid_input', `${real} is a folder: choose a run configuration file (.yaml, .yml or .json) inside it.`)
      if (!CONFIG_EXTENSIONS.has(extname(real).slice(1).toLowerCase())) {
        throw new ApiCallError('invalid_input', `${real} is not a run configuration: Load YAML reads .yaml, .yml and .json files.`)
      }
      if (stats.size > MAX_CONFIG_BYTES) {
        throw new ApiCallError('invalid_input', `${real} is ${Math.ceil(stats.size / 1024)} KiB, more than a run configuration holds (at most ${MAX_CONFIG_BYTES / 1024} KiB): check that it is the right file.`)
      }
      return { path: real, name: basename(real), folder: dirname(real), text: readFileSync(real, 'utf8') }
    },
  }
}

function listEntries(folder: string, input: CallParsedInput<'filesList'>): FileEntry[] {
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch (error) {
    throw new ApiCallError('forbidden', `The folder ${folder} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check its permissions, or choose another folder.`)
  }
  const extensions = new Set(input.extensions.map((e) => e.replace(/^\./, '').toLowerCase()))
  const entries: FileEntry[] = []
  for (const name of names) {
    if (!input.showHidden && name.startsWith('.')) continue
    const path = join(folder, name)
    // Followed through links, so a link to a folder browses as one; a broken link is left out.
    const stats = statOrNull(path)
    if (!stats) continue
    const isFolder = stats.isDirectory()
    if (!isFolder && (input.kind === 'folder' || !stats.isFile())) continue
    if (!isFolder && extensions.size > 0 && !extensions.has(extname(name).slice(1).toLowerCase())) continue
    entries.push({
      name,
      path,
      kind: isFolder ? 'folder' : 'file',
      size: isFolder ? null : stats.size,
      modified: stats.mtimeMs,
      looksLikeModel: isFolder && existsSync(join(path, 'config.json')),
    })
  }
  return entries.sort((a, b) => (a.kind === b.kind ? byName.compare(a.name, b.name) : a.kind === 'folder' ? -1 : 1))
}

const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path)
  } catch {
    return null
  }
}
