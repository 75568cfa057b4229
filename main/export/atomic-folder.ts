// Exports are written into a temporary sibling folder and renamed into place, so `out` either
// keeps what it had or holds the complete export: a failure (or a killed process) never leaves
// half an export where the user asked for one. Where the export may go, and what it may replace,
// is export-target.ts's to say; a replaced folder is moved aside and deleted only once the new
// export is complete and in its place.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { noRoomCode } from '../runtime/file-writes'
import { EXPORT_MARKER_FILE, writeExportMarker } from './export-marker'
import { checkExportTarget, pathExists, whyNotReplaceable, type ExportTarget, type ExportTargetRules } from './export-target'
import { ExportError, type ExportedFile, type ExportFormat } from './types'

export interface AtomicFolderOptions extends ExportTargetRules {
  /** What the folder's marker records besides its format and files. */
  marker: { runId: string | null; createdAt: Date }
}

/** Fills a fresh temporary folder with `fill`, marks it as an export, then puts it at `out`; returns its absolute path and the files written. */
export async function writeFolderAtomically(out: string, options: AtomicFolderOptions, fill: (dir: string) => Promise<void>): Promise<{ path: string; files: ExportedFile[] }> {
  const target = checkExportTarget(out, options)
  try {
    mkdirSync(dirname(target.path), { recursive: true })
    const tag = `${process.pid}-${Date.now().toString(36)}`
    const temp = join(dirname(target.path), `.${basename(target.path)}.export-${tag}`)
    mkdirSync(temp)
    try {
      await fill(temp)
      writeExportMarker(temp, { format: options.format, ...options.marker, files: readdirSync(temp) })
    } catch (error) {
      rmSync(temp, { recursive: true, force: true })
      throw error
    }
    putInPlace(temp, target, options, `.${basename(target.path)}.replaced-${tag}`)
  } catch (error) {
    throw noRoomOr(error, target, options.format)
  }
  return { path: target.path, files: listFiles(target.path) }
}

/**
 * A write that found no room, as an ExportError saying so, where, and that nothing is lost (the
 * temporary folder is gone and the target untouched by then); any other error as it is.
 */
function noRoomOr(error: unknown, target: ExportTarget, format: ExportFormat): unknown {
  const code = noRoomCode(error)
  if (!code) return error
  const where = target.kind === 'new' ? `${target.path} was not created` : `${target.path} was left as it was`
  const stopped = `The export stopped, its partly written files were removed and ${where}`
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT': {
      const full = code === 'EDQUOT' ? 'your disk quota is used up' : 'the disk is full'
      return new ExportError(`${full}: no room to write the ${format} export in ${target.path}. ${stopped}; free space on that disk, or export to a folder on a disk with room, and try again`, 'no_room')
    }
    case 'EFBIG':
      return new ExportError(
        `a file of the ${format} export grew larger than ${target.path} takes: its disk holds no file this large (FAT32, common on USB drives, holds at most 4 GiB a file) ` +
          `or this process may write no larger file (ulimit -f). ${stopped}; export to a disk formatted exFAT, NTFS, ext4 or APFS`,
        'no_room',
      )
  }
}

function putInPlace(temp: string, target: ExportTarget, options: AtomicFolderOptions, asideName: string): void {
  if (target.kind === 'new' || !pathExists(target.path)) {
    try {
      renameSync(temp, target.path)
    } catch (error) {
      rmSync(temp, { recursive: true, force: true })
      throw error
    }
    return
  }
  // Move the old folder aside first, so a failed rename can put it back.
  const old = join(dirname(target.path), asideName)
  renameSync(target.path, old)
  try {
    // The export may have taken minutes: what was checked then must still hold for what is now moved aside.
    const changed = target.kind === 'empty' ? (readdirSync(old).length > 0 ? 'files appeared in it' : null) : whyNotReplaceable(old, options.format)
    if (changed) throw new ExportError(`the export folder ${target.path} changed while exporting and was left as it is (${changed})`)
    renameSync(temp, target.path)
  } catch (error) {
    renameSync(old, target.path)
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
  // Only now, with the new export complete and in its place, is the old one deleted.
  rmSync(old, { recursive: true, force: true })
}

/** The export's files; the marker is bookkeeping, not part of what was exported. */
function listFiles(dir: string, top = true): ExportedFile[] {
  // A cluster job keeps its arrays in data/: those are files of the export too.
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !(top && e.name === EXPORT_MARKER_FILE))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), false) : e.isFile() ? [{ path: join(dir, e.name), bytes: statSync(join(dir, e.name)).size }] : []))
}
