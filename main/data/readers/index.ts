import { DatasetFileError } from '../errors'
import type { LineReaderOptions } from '../line-reader'
import type { FileType, SourceRowResult } from '../types'
import { readDelimited } from './delimited'
import { readJsonArray } from './json-array'
import { readJsonl } from './jsonl'
import { readParquet } from './parquet'
import { readText } from './text'

export interface ReadOptions extends LineReaderOptions {
  fileType: FileType
  encoding: { encoding: string; bomLength: number }
  /** Called for each blank line skipped (blank lines are not rows, but the report counts them). */
  onBlankLine?: () => void
}

/** The rows of a dataset file, streamed, whatever its type. */
export function readRows(path: string, options: ReadOptions): AsyncGenerator<SourceRowResult> {
  const onBlankLine = options.onBlankLine ?? (() => {})
  switch (options.fileType) {
    case 'jsonl':
      return readJsonl(path, options, onBlankLine)
    case 'json':
      if (options.encoding.encoding.startsWith('utf-16')) {
        throw new DatasetFileError(path, 'JSON arrays must be UTF-8; re-save the file as UTF-8 or as JSON Lines')
      }
      return readJsonArray(path, options.encoding.bomLength, options.maxLineBytes)
    case 'csv':
      return readDelimited(path, ',', options, onBlankLine)
    case 'tsv':
      return readDelimited(path, '\t', options, onBlankLine)
    case 'parquet':
      return readParquet(path)
    case 'text':
      return readText(path, options, onBlankLine)
    default:
      throw new Error(`unknown file type ${String(options.fileType satisfies never)}`)
  }
}
