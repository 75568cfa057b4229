import { extname } from 'node:path'
import type { FileType } from './types'

const byExtension: Record<string, FileType> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.txt': 'text',
  '.text': 'text',
  '.md': 'text',
}

const PARQUET_MAGIC = Buffer.from('PAR1')

/**
 * The file's type from its first bytes where they decide it, else from its extension.
 * A `.json` file holding one object per line is JSON Lines (many datasets are named so).
 */
export function detectFileType(path: string, head: Buffer, bomLength: number): FileType {
  if (head.subarray(0, 4).equals(PARQUET_MAGIC)) return 'parquet'
  const fromExtension = byExtension[extname(path).toLowerCase()]
  const firstChar = head.subarray(bomLength).toString('utf8').trimStart()[0]
  if (fromExtension === 'json' || fromExtension === 'jsonl' || fromExtension === undefined) {
    if (firstChar === '[') return 'json'
    if (firstChar === '{') return 'jsonl'
  }
  if (fromExtension) return fromExtension
  const firstLine = head.toString('utf8').split('\n')[0]
  if (firstLine.includes('\t')) return 'tsv'
  if (firstLine.includes(',')) return 'csv'
  return 'text'
}
