// The small file every export folder carries, saying it is one: replacing an existing folder
// (overwrite) is allowed only where this marker says a previous export of the same format lives,
// and only while the folder holds nothing but what that export wrote, so a user's own folder, the
// studio's data or files added to an export later are never deleted by an export.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readAppVersion } from '../runtime/app-version'
import { EXPORT_FORMATS, type ExportFormat } from './types'

export const EXPORT_MARKER_FILE = '.mixture-studio-export.json'
const MARKER_KIND = 'mixture-studio-export'

export interface ExportMarker {
  kind: typeof MARKER_KIND
  format: ExportFormat
  /** The run exported, null for an adapter folder that belongs to no run. */
  runId: string | null
  appVersion: string
  createdAt: string
  /** The names the export wrote (the marker aside): anything else in the folder is someone else's. */
  files: string[]
}

export function writeExportMarker(dir: string, facts: { format: ExportFormat; runId: string | null; createdAt: Date; files: readonly string[] }): void {
  const marker: ExportMarker = {
    kind: MARKER_KIND,
    format: facts.format,
    runId: facts.runId,
    appVersion: readAppVersion(),
    createdAt: facts.createdAt.toISOString(),
    files: [...facts.files].sort(),
  }
  writeFileSync(join(dir, EXPORT_MARKER_FILE), `${JSON.stringify(marker, null, 2)}\n`)
}

/** The folder's marker; null when it has none or one that is not ours (unreadable, another shape). */
export function readExportMarker(dir: string): ExportMarker | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(join(dir, EXPORT_MARKER_FILE), 'utf8'))
  } catch {
    return null
  }
  if (typeof parsed !== 'object' || parsed === null) return null
  const marker = parsed as Partial<ExportMarker>
  const valid =
    marker.kind === MARKER_KIND &&
    EXPORT_FORMATS.includes(marker.format as ExportFormat) &&
    Array.isArray(marker.files) &&
    marker.files.every((f) => typeof f === 'string')
  return valid ? (marker as ExportMarker) : null
}
