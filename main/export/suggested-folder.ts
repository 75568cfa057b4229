// Where the Export dialog suggests writing a run's export: a fresh folder under the user's
// Documents (or home) folder, "Mixture Studio exports/<run name>-<format>", never inside the data
// folder. An export may be written into the data folder but never replaces anything there
// (export-target.ts), so a suggestion there (the run's own folder, as it once was) turned the
// second export to the suggested place into a refusal. A taken name gets -2, -3 ...: the dialog
// never suggests a folder the export would refuse, and a previous export is replaced only when
// the user names it and asks to.
import { realpathSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { isInside } from '../runtime/file-paths'
import { pathExists } from './export-target'
import type { ExportFormat } from './types'

export const EXPORTS_FOLDER_NAME = 'Mixture Studio exports'

/** Characters no folder name may hold on Windows, macOS or Linux, and control characters. */
const UNSAFE_IN_NAME = /\s*[<>:"/\\|?*\u0000-\u001f]+\s*/g
/** Long run names are cut: the whole path must stay well under Windows' 260 characters. */
const MAX_NAME_LENGTH = 80

export interface SuggestionPlaces {
  /** The user's home folder. */
  home: string
  /** The studio's data folder: the suggestion is never inside it. */
  dataDir: string
}

/** A folder that does not exist yet, for the `format` export of the run named `runName`. Creates nothing. */
export function suggestExportFolder(runName: string, format: ExportFormat, places: SuggestionPlaces): string {
  const root = join(exportsParent(places), EXPORTS_FOLDER_NAME)
  const base = `${folderName(runName)}-${format}`
  for (let n = 1; ; n++) {
    const candidate = join(root, n === 1 ? base : `${base}-${n}`)
    if (!pathExists(candidate)) return candidate
  }
}

/** Documents when the home folder has one, else home; the data folder's parent when either lies in the data folder. */
function exportsParent({ home, dataDir }: SuggestionPlaces): string {
  const documents = join(home, 'Documents')
  const parent = isDirectory(documents) ? documents : resolve(home)
  const data = realOrSame(dataDir)
  const real = realOrSame(parent)
  return real === data || isInside(real, data) ? dirname(data) : parent
}

/**
 * The run's name as a folder name: unsafe characters become '-', taking the spaces around them
 * ("demo: MoV" is demo-MoV, not demo- MoV); leading dots (a hidden folder) and trailing dots and
 * spaces (which Windows drops) go.
 */
export function folderName(runName: string): string {
  const safe = runName
    .replace(UNSAFE_IN_NAME, '-')
    .slice(0, MAX_NAME_LENGTH)
    .replace(/^[. ]+|[. ]+$/g, '')
  return safe === '' ? 'run' : safe
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function realOrSame(path: string): string {
  try {
    return realpathSync(resolve(path))
  } catch {
    return resolve(path)
  }
}
