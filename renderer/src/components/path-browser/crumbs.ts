import type { FilesRoot } from '../../../../main/contract'

export interface Crumb {
  label: string
  path: string
}

/**
 * The breadcrumbs of a listed folder: its root by name ("Home", "Data folder"), then each folder
 * below it. Plain string work on the server's paths, POSIX or Windows alike.
 */
export function crumbsOf(folder: string, roots: FilesRoot[]): Crumb[] {
  // The deepest root holding the folder: the data folder inside home names itself, not Home/.local/…
  const root = roots
    .filter((r) => folder === r.path || folder.startsWith(withSeparator(r.path)))
    .sort((a, b) => b.path.length - a.path.length)[0]
  if (!root) return [{ label: folder, path: folder }]
  const crumbs: Crumb[] = [{ label: root.label, path: root.path }]
  const separator = root.path.includes('\\') && !root.path.includes('/') ? '\\' : '/'
  let path = root.path
  for (const name of folder.slice(root.path.length).split(/[\\/]/).filter(Boolean)) {
    path = `${withSeparator(path, separator)}${name}`
    crumbs.push({ label: name, path })
  }
  return crumbs
}

function withSeparator(path: string, separator = path.includes('\\') && !path.includes('/') ? '\\' : '/'): string {
  return path.endsWith('/') || path.endsWith('\\') ? path : `${path}${separator}`
}
