import type { Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { DatasetFileError } from './errors'
import { detectFileType } from './file-type'
import { DEFAULT_MAX_ROW_BYTES, sniffFile } from './line-reader'
import { readRows } from './readers'
import type { FileType, SourceRowResult, TextEncoding } from './types'

/** A dataset file as found on disk, before any row is read. */
export interface DatasetSource {
  path: string
  fileType: FileType
  encoding: TextEncoding
  bomLength: number
  sizeBytes: number
  mtimeMs: number
}

/** Checks the file exists and is not empty, and learns its type and encoding. */
export async function inspectSource(path: string, fileType?: FileType): Promise<DatasetSource> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new DatasetFileError(path, code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (error as Error).message})`)
  }
  if (info.isDirectory()) throw new DatasetFileError(path, 'is a folder; choose a data file inside it')
  // A pipe or device has no size to check and cannot be read twice (detection, hash, rows).
  if (!info.isFile()) throw new DatasetFileError(path, `is not a regular file (it is ${specialFileKind(info)}); save the data to a file and import that`)
  if (info.size === 0) throw new DatasetFileError(path, 'the file is empty (0 bytes)')
  const sniff = await sniffFile(path, false)
  const type = fileType ?? detectFileType(path, sniff.head, sniff.bomLength)
  // Text readers refuse binary files themselves; doing it here names the problem before any row.
  if (type !== 'parquet') await sniffFile(path, true)
  return {
    path,
    fileType: type,
    encoding: sniff.encoding,
    bomLength: sniff.bomLength,
    sizeBytes: info.size,
    mtimeMs: info.mtimeMs,
  }
}

export function sourceRows(
  source: DatasetSource,
  options: { maxRowBytes?: number; onBlankLine?: () => void } = {},
): AsyncGenerator<SourceRowResult> {
  return readRows(source.path, {
    fileType: source.fileType,
    encoding: source,
    maxLineBytes: options.maxRowBytes ?? DEFAULT_MAX_ROW_BYTES,
    onBlankLine: options.onBlankLine,
  })
}

function specialFileKind(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe (FIFO)'
  if (info.isSocket()) return 'a socket'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device'
  return 'neither a file nor a folder'
}
