// Exports are written into a temporary sibling folder and renamed into place, so `out` either
// keeps what it had or holds the complete export: a failure (or a killed process) never leaves
// half an export where the user asked for one.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path'
import { ExportError, type ExportedFile } from './types'

export interface AtomicFolderOptions {
  overwrite: boolean
  /** Folders the export reads from: `out` may be neither one of them nor hold one. */
  protect: readonly string[]
}

/** Fills a fresh temporary folder with `fill`, then puts it at `out`; returns its absolute path and the files written. */
export async function writeFolderAtomically(out: string, options: AtomicFolderOptions, fill: (dir: string) => Promise<void>): Promise<{ path: string; files: ExportedFile[] }> {
  const target = resolve(out)
  checkTarget(target, options)
  mkdirSync(dirname(target), { recursive: true })
  const tag = `${process.pid}-${Date.now().toString(36)}`
  const temp = join(dirname(target), `.${basename(target)}.export-${tag}`)
  mkdirSync(temp)
  try {
    await fill(temp)
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
  if (!existsSync(target)) {
    renameSync(temp, target)
  } else {
    // Move the old folder aside first, so a failed rename can put it back.
    const old = join(dirname(target), `.${basename(target)}.replaced-${tag}`)
    renameSync(target, old)
    try {
      renameSync(temp, target)
    } catch (error) {
      renameSync(old, target)
      rmSync(temp, { recursive: true, force: true })
      throw error
    }
    rmSync(old, { recursive: true, force: true })
  }
  return { path: target, files: listFiles(target) }
}

function checkTarget(target: string, options: AtomicFolderOptions): void {
  for (const dir of options.protect.map((p) => resolve(p))) {
    if (target === dir || isInside(dir, target)) {
      throw new ExportError(`--out ${target} would replace ${dir}, which this export reads; choose a folder outside it`)
    }
  }
  if (!existsSync(target)) return
  if (!statSync(target).isDirectory()) throw new ExportError(`--out ${target} is a file; give a folder path`)
  if (readdirSync(target).length > 0 && !options.overwrite) {
    throw new ExportError(`--out ${target} already exists and is not empty; choose a new folder, or replace it (--force in the CLI)`)
  }
}

/** Whether `inner` lies inside `outer` (both absolute). */
function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

function listFiles(dir: string): ExportedFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(dir, e.name))
    .sort()
    .map((path) => ({ path, bytes: statSync(path).size }))
}
