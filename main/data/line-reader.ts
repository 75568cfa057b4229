import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { formatBytes } from '../contract/format-bytes'
import { decodeUtf8, sniffEncoding, whyNotText, type EncodingSniff } from './encoding'
import { DatasetFileError } from './errors'

/** One line of a text file, without its line ending. */
export type Line =
  | { number: number; byteOffset: number; text: string }
  /** A line that could not be decoded, or was longer than the row limit (then `text` is absent). */
  | { number: number; byteOffset: number; problem: string }

export interface LineReaderOptions {
  /** A longer line is reported as a problem and skipped without being held in memory. */
  maxLineBytes: number
  chunkBytes?: number
}

export const DEFAULT_MAX_ROW_BYTES = 4 * 1024 * 1024

/** Reads the first bytes of a file to learn its encoding, refusing binary files unless told not to (Parquet). */
export async function sniffFile(path: string, refuseBinary = true): Promise<EncodingSniff & { head: Buffer }> {
  const handle = await open(path, 'r')
  try {
    const head = Buffer.alloc(4096)
    const { bytesRead } = await handle.read(head, 0, head.length, 0)
    const bytes = head.subarray(0, bytesRead)
    const sniff = sniffEncoding(bytes)
    const notText = whyNotText(bytes, sniff.encoding)
    if (notText && refuseBinary) throw new DatasetFileError(path, notText)
    return { ...sniff, head: bytes }
  } finally {
    await handle.close()
  }
}

/**
 * The lines of a text file, streamed: memory stays within one chunk plus one line, whatever
 * the file size. UTF-8 is split into lines before decoding so that an invalid byte costs one
 * line (named by number), not the file. UTF-16 (with a BOM) is decoded as a stream.
 */
export async function* readLines(path: string, options: LineReaderOptions): AsyncGenerator<Line> {
  const sniff = await sniffFile(path)
  if (sniff.encoding === 'utf-16le' || sniff.encoding === 'utf-16be') {
    yield* readUtf16Lines(path, sniff.encoding, sniff.bomLength, options)
  } else {
    yield* readUtf8Lines(path, sniff.bomLength, options)
  }
}

async function* readUtf8Lines(path: string, start: number, options: LineReaderOptions): AsyncGenerator<Line> {
  const stream = createReadStream(path, { start, highWaterMark: options.chunkBytes ?? 1 << 20 })
  // The current line so far; once it passes the limit only its length is kept.
  let pending: Buffer[] = []
  let pendingBytes = 0
  let oversize = false
  let number = 1
  let lineStart = start
  let chunkStart = start

  const finishLine = (tail: Buffer): Line => {
    const bytes = pendingBytes + tail.length
    const line: Line =
      oversize || bytes > options.maxLineBytes
        ? { number, byteOffset: lineStart, problem: tooLong(bytes, options.maxLineBytes) }
        : decodeLine(number, lineStart, pending.length === 0 ? tail : Buffer.concat([...pending, tail]))
    pending = []
    pendingBytes = 0
    oversize = false
    return line
  }

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let from = 0
    for (let newline = chunk.indexOf(10, from); newline >= 0; newline = chunk.indexOf(10, from)) {
      yield finishLine(chunk.subarray(from, newline))
      from = newline + 1
      number++
      lineStart = chunkStart + from
    }
    const rest = chunk.subarray(from)
    pendingBytes += rest.length
    if (!oversize && pendingBytes > options.maxLineBytes) {
      oversize = true
      pending = []
    }
    // Copied so that a short remainder does not keep the whole chunk alive.
    if (!oversize && rest.length > 0) pending.push(Buffer.from(rest))
    chunkStart += chunk.length
  }
  if (pendingBytes > 0) yield finishLine(Buffer.alloc(0))
}

function decodeLine(number: number, byteOffset: number, bytes: Buffer): Line {
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length
  const decoded = decodeUtf8(bytes.subarray(0, end))
  return 'text' in decoded ? { number, byteOffset, text: decoded.text } : { number, byteOffset, problem: decoded.error }
}

function tooLong(bytes: number, limit: number): string {
  return (
    `line is ${formatBytes(bytes)}, more than the ${formatBytes(limit)} limit for one row ` +
    `(no max_length could hold it; is the file missing line breaks, e.g. one JSON document on a single line?)`
  )
}


async function* readUtf16Lines(
  path: string,
  encoding: 'utf-16le' | 'utf-16be',
  start: number,
  options: LineReaderOptions,
): AsyncGenerator<Line> {
  const stream = createReadStream(path, { start, highWaterMark: options.chunkBytes ?? 1 << 20 })
  const decoder = new TextDecoder(encoding, { fatal: true })
  const maxChars = Math.floor(options.maxLineBytes / 2)
  let pending = ''
  let oversizeChars = 0
  let number = 1
  let lineStart = start
  let codeUnits = 0
  const finish = (text: string): Line => {
    const byteOffset = lineStart
    lineStart = start + 2 * codeUnits
    if (oversizeChars > 0 || text.length > maxChars) {
      const chars = oversizeChars + text.length
      oversizeChars = 0
      return { number: number++, byteOffset, problem: tooLong(chars * 2, options.maxLineBytes) }
    }
    return { number: number++, byteOffset, text: text.endsWith('\r') ? text.slice(0, -1) : text }
  }
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = decoder.decode(chunk, { stream: true })
      for (;;) {
        const newline = text.indexOf('\n')
        if (newline < 0) break
        codeUnits += newline + 1
        const line = pending + text.slice(0, newline)
        pending = ''
        yield finish(line)
        text = text.slice(newline + 1)
      }
      codeUnits += text.length
      if (oversizeChars > 0 || pending.length + text.length > maxChars) {
        oversizeChars += pending.length + text.length
        pending = ''
      } else {
        pending += text
      }
    }
    const last = decoder.decode()
    pending += last
  } catch (error) {
    throw new DatasetFileError(path, `invalid ${encoding.toUpperCase()} text (${(error as Error).message}); re-save the file as UTF-8`, number)
  }
  if (pending.length > 0 || oversizeChars > 0) yield finish(pending)
}
