import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { posix } from 'node:path'
import type { PackagedFile } from './packaged-app-files'

/**
 * Which packages a packaged app's code loads, worked out from its file list the way Node would
 * resolve them inside the app: the bundles' bare imports, then each package's dependencies,
 * looked up from the package's folder upwards (node_modules/a/node_modules/b, then
 * node_modules/b). What electron-builder's `files` patterns leave out shows up as missing; what
 * they carry that nothing loads shows up as unused.
 */
export interface PackageReach {
  /** `node_modules/...` folders something loads. */
  used: Set<string>
  /** "who -> what": a package needed and not in the app. */
  missing: string[]
  /** `node_modules/...` folders in the app that nothing loads. */
  unused: string[]
}

// `from "x"`, `import("x")`, `require("x")` and `import "x"` with a bare package name.
const BARE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s*)["']((?:@[\w.-]+\/)?[a-z0-9_][\w.-]*)(?:\/[\w./-]*)?["']/gm
// Electron's own module is the runtime's, never a file in the app.
const RUNTIME_MODULES = new Set([...builtinModules, 'electron'])

/** The packages `text` (a bundle) imports by name, without Node's and Electron's own. */
export function bareImports(text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(BARE_IMPORT)) {
    if (!match[1].startsWith('node:') && !RUNTIME_MODULES.has(match[1])) names.add(match[1])
  }
  return names
}

/** The packages loaded from `entries` (app paths of bundles) through the files in `files`. */
export function packageReach(files: Map<string, PackagedFile>, entries: string[]): PackageReach {
  const packageFolder = (from: string, name: string): string | null => {
    for (let dir = from; ; ) {
      const candidate = posix.join(dir, 'node_modules', name)
      if (files.has(`${candidate}/package.json`)) return candidate
      if (dir === '') return null
      const parent = dir.lastIndexOf('/node_modules/')
      dir = parent < 0 ? '' : dir.slice(0, parent)
    }
  }
  const used = new Set<string>()
  const missing: string[] = []
  const queue: { from: string; name: string; optional: boolean }[] = []
  for (const entry of entries) {
    const file = files.get(entry)
    if (!file) throw new Error(`${entry} is not in the app`)
    for (const name of bareImports(readFileSync(file.source, 'utf8'))) queue.push({ from: '', name, optional: false })
  }
  while (queue.length > 0) {
    const { from, name, optional } = queue.pop()!
    const folder = packageFolder(from, name)
    if (!folder) {
      if (!optional) missing.push(`${from || 'the app'} -> ${name}`)
      continue
    }
    if (used.has(folder)) continue
    used.add(folder)
    const manifest = JSON.parse(readFileSync(files.get(`${folder}/package.json`)!.source, 'utf8')) as {
      dependencies?: Record<string, string>
      optionalDependencies?: Record<string, string>
      peerDependencies?: Record<string, string>
      peerDependenciesMeta?: Record<string, { optional?: boolean }>
    }
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      queue.push({ from: folder, name: dependency, optional: dependency in (manifest.optionalDependencies ?? {}) })
    }
    // Optional dependencies are often for another platform; one that is installed is used.
    for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ from: folder, name: dependency, optional: true })
    for (const dependency of Object.keys(manifest.peerDependencies ?? {})) {
      queue.push({ from: folder, name: dependency, optional: manifest.peerDependenciesMeta?.[dependency]?.optional === true })
    }
  }
  const packageFolders = [...files.keys()]
    .filter((path) => path.endsWith('/package.json'))
    .map((path) => path.slice(0, -'/package.json'.length))
    .filter((folder) => /^node_modules\/(@[^/]+\/)?[^/@]+(\/node_modules\/(@[^/]+\/)?[^/@]+)*$/.test(folder))
  return { used, missing, unused: packageFolders.filter((folder) => !used.has(folder)).sort() }
}
