import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { DatasetFileError } from '../errors'
import type { SourceRowResult } from '../types'

/**
 * Parquet, one row group at a time (a row group is the unit Parquet writers bound in
 * memory, so this keeps memory proportional to it, not to the file). Rows are numbered
 * from 1 across the file.
 */
export async function* readParquet(path: string): AsyncGenerator<SourceRowResult> {
  const file = await asyncBufferFromFile(path)
  let metadata
  try {
    metadata = await parquetMetadataAsync(file)
  } catch (error) {
    throw new DatasetFileError(path, `not a readable Parquet file: ${(error as Error).message}`)
  }
  let rowStart = 0
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows)
    let rows: Record<string, unknown>[]
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors })
    } catch (error) {
      throw new DatasetFileError(path, `cannot read rows ${rowStart + 1}–${rowEnd}: ${(error as Error).message}`, rowStart + 1)
    }
    for (let i = 0; i < rows.length; i++) yield { line: rowStart + i + 1, record: toPlain(rows[i]) as Record<string, unknown> }
    rowStart = rowEnd
  }
}

/** BigInts (INT64 columns) become numbers, so rows can be shown and stored as JSON. */
function toPlain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(toPlain)
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]))
  }
  return value
}
