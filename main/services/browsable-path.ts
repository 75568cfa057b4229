import { realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { ApiCallError, type FilesRoot } from '../contract'
import { expandHome } from '../runtime/typed-path'

/**
 * The folders web mode's file browser may show: the user's home folder and the data folder, each
 * as its real path, so that a link inside them is judged by where it leads, not by its name.
 */
export function browsableRoots(home: string, dataDir: string): FilesRoot[] {
  const roots: FilesRoot[] = [{ label: 'Home', path: realOrSame(home) }]
  const data = realOrSame(dataDir)
  if (!roots.some((root) => root.path === data)) roots.push({ label: 'Data folder', path: data })
  return roots
}

/**
 * The real path of what the user typed or clicked (`~` expanded, relative paths from the home
 * folder), refused in words when it does not exist or leads outside every root: a `..`, a link
 * to /etc and an absolute path elsewhere are all caught here, after the links are resolved.
 */
export function resolveBrowsable(typed: string, roots: FilesRoot[], home: string): string {
  const wanted = resolve(home, expandHome(typed.trim() || '~', home))
  let real: string
  try {
    real = realpathSync(wanted)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ApiCallError('not_found', `There is no file or folder at ${wanted}. Check the path, or choose a folder from the list.`)
    }
    throw new ApiCallError('forbidden', `${wanted} cannot be opened (${code ?? String(error)}). Check its permissions, or choose another folder.`)
  }
  if (!rootOf(real, roots)) {
    const where = real === wanted ? wanted : `${wanted} (which leads to ${real})`
    throw new ApiCallError('forbidden',
      `${where} is outside the folders this browser shows: ${roots.map((r) => `${r.label.toLowerCase()} ${r.path}`).join(' and ')}. ` +
      'Type the path into the field instead, or choose a folder inside these.')
  }
  return real
}

/** The root holding a real path (the path itself or anything below it), or null. */
export function rootOf(real: string, roots: FilesRoot[]): FilesRoot | null {
  return roots.find((root) => isInside(real, root.path)) ?? null
}

function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path)
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}
