// At most how many examples a data file holds, from its lines alone (no parsing): enough to
// refuse a held-out split that takes every example before a run is created on a file that was
// never imported (an imported one's count is in the catalog). Each example of JSON Lines, CSV,
// TSV and text is at least one non-blank line, so the count of those lines is an upper bound:
// a split refused by it leaves nothing whatever the rows turn out to be.
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { detectFileType } from './file-type'

/** Files larger than this are not counted here: training counts them when it reads them. */
const MAX_COUNTED_BYTES = 64 * 1024 * 1024
const CHUNK_BYTES = 1024 * 1024
const UTF8_BOM = [0xef, 0xbb, 0xbf]
const [NEWLINE, SPACE, TAB, CARRIAGE_RETURN] = [0x0a, 0x20, 0x09, 0x0d]

/** Non-blank lines of a JSON Lines, CSV, TSV or text file; null for other files or one that cannot be read. */
export function examplesAtMost(path: string): number | null {
  let fd: number
  try {
    const stat = statSync(path)
    if (!stat.isFile() || stat.size > MAX_COUNTED_BYTES) return null
    fd = openSync(path, 'r')
  } catch {
    return null
  }
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES)
    let lines = 0
    let lineHasText = false
    let first = true
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      if (first) {
        first = false
        const head = chunk.subarray(0, read)
        // UTF-16 (a BOM of FF FE or FE FF) has no one-byte newlines to count.
        if (head[0] === 0xff || head[0] === 0xfe) return null
        const bomLength = UTF8_BOM.every((byte, i) => head[i] === byte) ? 3 : 0
        const type = detectFileType(path, head, bomLength)
        if (type !== 'jsonl' && type !== 'csv' && type !== 'tsv' && type !== 'text') return null
      }
      for (let i = 0; i < read; i++) {
        const byte = chunk[i]
        if (byte === NEWLINE) {
          if (lineHasText) lines++
          lineHasText = false
        } else if (byte !== SPACE && byte !== TAB && byte !== CARRIAGE_RETURN) {
          lineHasText = true
        }
      }
    }
    return lines + (lineHasText ? 1 : 0)
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}
