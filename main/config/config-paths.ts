// The file paths in a run configuration and what they are relative to. `mixture-studio train
// --config FILE` resolves relative paths against FILE's folder (absoluteConfigPaths); the New run
// form's Load YAML must do the same, and it runs in the page, so this is plain string work (no
// node:path): POSIX and Windows paths alike, whichever the folder is written in.
import type { RunConfig } from '../contract/run-config'

/** A path field of the configuration, as the form and the CLI's errors name it. */
export interface ConfigPath {
  field: string
  path: string
}

/** Every path the configuration names: model, data.train, data.validation, adapter.init, eval.sets[i].data. */
export function configPaths(config: RunConfig): ConfigPath[] {
  const paths: ConfigPath[] = [{ field: 'model', path: config.model.path }, { field: 'data.train', path: config.data.train }]
  if (config.data.validation) paths.push({ field: 'data.validation', path: config.data.validation })
  if (config.adapter.init) paths.push({ field: 'adapter.init', path: config.adapter.init })
  config.eval.sets.forEach((set, i) => paths.push({ field: `eval.sets.${i}.data`, path: set.data }))
  return paths
}

/**
 * Absolute on POSIX (/x), on Windows (C:\x, C:/x, \\server\share), or starting at the home folder
 * (~, ~/x), which names one folder wherever the file is: neither depends on the file's folder.
 */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\\\') || /^[A-Za-z]:[\\/]/.test(path) || path === '~' || /^~[\\/]/.test(path)
}

/** The configuration's paths that are relative (to the file's folder, as the CLI reads them). */
export function relativeConfigPaths(config: RunConfig): ConfigPath[] {
  return configPaths(config).filter((p) => !isAbsolutePath(p.path))
}

/** The folder a file is in: its path up to the last separator. */
export function folderOf(filePath: string): string {
  const cut = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'))
  return cut <= 0 ? filePath.slice(0, cut + 1) || '.' : filePath.slice(0, cut)
}

/** `relative` under the absolute folder `folder`, with its "." and ".." segments applied, in the folder's separator. */
export function joinPath(folder: string, relative: string): string {
  const separator = folder.includes('\\') && !folder.includes('/') ? '\\' : '/'
  // The root stays as written: "/", a drive's letter and colon with the separator, or a share's two backslashes.
  const root = /^[A-Za-z]:/.test(folder) ? `${folder.slice(0, 2)}${separator}` : folder.startsWith('\\\\') ? '\\\\' : '/'
  const parts = folder.slice(root.length).split(/[\\/]/).filter((s) => s !== '')
  for (const segment of relative.split(/[\\/]/)) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') parts.pop()
    else parts.push(segment)
  }
  return `${root}${parts.join(separator)}`
}

/** The configuration with its relative paths resolved against `folder` (the file's folder), as `train --config` reads them. */
export function resolveConfigPaths(config: RunConfig, folder: string): RunConfig {
  const abs = (path: string) => (isAbsolutePath(path) ? path : joinPath(folder, path))
  return {
    ...config,
    model: { ...config.model, path: abs(config.model.path) },
    data: { ...config.data, train: abs(config.data.train), validation: config.data.validation === null ? null : abs(config.data.validation) },
    adapter: { ...config.adapter, init: config.adapter.init === null ? null : abs(config.adapter.init) },
    eval: { ...config.eval, sets: config.eval.sets.map((set) => ({ ...set, data: abs(set.data) })) },
  }
}
