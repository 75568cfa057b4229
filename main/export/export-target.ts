// Where an export may go. A new folder, or an existing empty one, is written; an existing
// folder with files is replaced only with overwrite, and only when it is a previous export of the
// same format (its marker says so) holding nothing but what that export wrote. Whatever the
// options, never: a filesystem root, the home folder, the studio's data folder or anything inside
// it, a model or dataset folder the studio knows, the folders this export reads, or a folder
// holding any of these. Paths are compared after resolving links, so a link to the data folder
// is the data folder.
import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { parse, resolve } from 'node:path'
import { isInside, isSameOrInside } from '../runtime/file-paths'
import { EXPORT_MARKER_FILE, readExportMarker } from './export-marker'
import type { StudioPlaces } from './studio-places'
import { ExportError, type ExportFormat } from './types'

export interface ExportTargetRules {
  format: ExportFormat
  /** Replace an existing folder with files (a previous export of this format only). */
  overwrite: boolean
  /** Folders the export reads (the adapter, the base model). */
  reads: readonly string[]
  /** The data folder and the models and datasets of the store, when the export has one. */
  studio: StudioPlaces | null
}

/** What is at the target: nothing, an empty folder, or a previous export that may be replaced. `path` has links resolved. */
export type ExportTarget = { kind: 'new'; path: string } | { kind: 'empty'; path: string } | { kind: 'previous-export'; path: string }

const CHOOSE_NEW = 'choose a new folder for the export'

/** Throws an ExportError, saying what the folder is and what to do, unless an export may be written at `out`. Reads only. */
export function checkExportTarget(out: string, rules: ExportTargetRules): ExportTarget {
  const given = resolve(out)
  const entry = lstatOrNull(given)
  if (!entry) return { kind: 'new', path: given }
  let path: string
  try {
    path = realpathSync(given)
  } catch (error) {
    if (!entry.isSymbolicLink()) throw error
    throw new ExportError(`the export folder ${given} is a link to ${readlinkSync(given)}, which does not exist; remove the link or ${CHOOSE_NEW}`)
  }
  const shown = path === given ? given : `${given} (a link to ${path})`
  if (!statSync(path).isDirectory()) throw new ExportError(`the export folder ${shown} is a file; give a folder path`)
  refuseKnownPlace(path, shown, rules)

  const entries = readdirSync(path)
  if (entries.length === 0) return { kind: 'empty', path }
  const marker = readExportMarker(path)
  if (!rules.overwrite) {
    const replace = '(--force in the CLI, "Replace a previous export" in the Export dialog)'
    const what =
      marker?.format === rules.format
        ? `it holds a previous ${rules.format} export. Choose a new folder, or replace that export ${replace}`
        : `${CHOOSE_NEW}. Only a folder holding a previous ${rules.format} export can be replaced ${replace}`
    throw new ExportError(`the export folder ${shown} already exists and is not empty: ${what}.`)
  }
  const reason = whyNotReplaceable(path, rules.format)
  if (reason) throw new ExportError(`the export folder ${shown} is not replaced: ${reason}`)
  return { kind: 'previous-export', path }
}

/**
 * Why the existing folder `dir` may not be replaced by a `format` export, or null when it may: it
 * holds a marker of that format and no file the marker does not list. Checked again on the
 * folder moved aside just before it is deleted (an export can take minutes).
 */
export function whyNotReplaceable(dir: string, format: ExportFormat): string | null {
  const marker = readExportMarker(dir)
  if (!marker) {
    return `it is not a folder an earlier export wrote (it has no ${EXPORT_MARKER_FILE}), and an export replaces only those; ${CHOOSE_NEW}, or an empty one`
  }
  if (marker.format !== format) return `it holds an export in ${marker.format} format, and this one is ${format}; ${CHOOSE_NEW}`
  const written = new Set([...marker.files, EXPORT_MARKER_FILE])
  const others = readdirSync(dir).filter((name) => !written.has(name))
  if (others.length > 0) {
    const listed = others.slice(0, 5).join(', ') + (others.length > 5 ? ` and ${others.length - 5} more` : '')
    return `besides a previous ${format} export it holds ${listed}, which the export did not write; move those elsewhere, or ${CHOOSE_NEW}`
  }
  return null
}

/** Throws when `path` (links resolved) is a place no export replaces, whatever it holds. */
function refuseKnownPlace(path: string, shown: string, rules: ExportTargetRules): void {
  const refuse = (what: string) => new ExportError(`the export folder ${shown} ${what}; an export never replaces it. ${capitalize(CHOOSE_NEW)}.`)
  if (path === parse(path).root) throw refuse('is the root of a filesystem')
  const home = realOrNull(homedir())
  if (home && covers(path, home)) throw refuse(path === home ? 'is your home folder' : `holds your home folder (${home})`)

  const data = rules.studio && realOrNull(rules.studio.dataDir)
  if (data) {
    if (path === data) throw refuse("is Mixture Studio's data folder, which holds its database and every run")
    if (covers(path, data)) throw refuse(`holds Mixture Studio's data folder (${data}), which holds its database and every run`)
    if (isInside(path, data)) throw refuse(`is inside Mixture Studio's data folder (${data}), where the studio keeps its database and runs`)
  }
  for (const read of rules.reads) {
    const dir = realOrNull(read)
    if (dir && covers(path, dir)) throw new ExportError(`the export folder ${shown} would replace ${dir}, which this export reads; choose a folder outside it`)
  }
  for (const place of rules.studio?.known ?? []) {
    const dir = realOrNull(place.dir)
    if (dir && covers(path, dir)) throw refuse(path === dir ? `is ${place.what}` : `holds ${place.what}`)
  }
}

/** Whether `outer` is `inner` or a folder above it (both absolute, links resolved). */
function covers(outer: string, inner: string): boolean {
  return isSameOrInside(inner, outer)
}

function realOrNull(path: string): string | null {
  try {
    return realpathSync(resolve(path))
  } catch {
    return null
  }
}

/** Whether anything is at `path`: lstat, so a link counts even when what it points to is gone. */
export function pathExists(path: string): boolean {
  return lstatOrNull(path) !== null
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

function capitalize(text: string): string {
  return text[0].toUpperCase() + text.slice(1)
}
