import { createReadStream } from 'node:fs'
import { DatasetFileError } from '../errors'
import { formatBytes } from '../../contract/format-bytes'
import type { SourceRowResult } from '../types'
import { jsonParseProblem, jsonRecordOrReason } from './json-record'

/**
 * A file holding one JSON array of objects, streamed element by element: a scanner finds
 * where each top-level element starts and ends (tracking strings and nesting), and only that
 * element's text is kept and parsed. Works whether the array spans many lines or one.
 * Invalid UTF-8 here is fatal: without line boundaries there is no safe place to resume.
 */
export async function* readJsonArray(path: string, bomLength: number, maxRowBytes: number): AsyncGenerator<SourceRowResult> {
  const stream = createReadStream(path, { start: bomLength, highWaterMark: 1 << 20 })
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const state = new ArrayScanner(path, maxRowBytes)
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text: string
      try {
        text = decoder.decode(chunk, { stream: true })
      } catch {
        throw new DatasetFileError(path, 'invalid UTF-8 bytes; re-save the file as UTF-8', state.line)
      }
      yield* state.feed(text)
    }
  } finally {
    stream.destroy()
  }
  yield* state.end()
}

/**
 * Outside an element (between `[`, `,` and `]`) only separators may appear; inside one,
 * brackets are counted outside strings. An object or array element closes with its own
 * bracket; a scalar element (not a valid row, but reported as one) closes at `,` or `]`.
 */
class ArrayScanner {
  line = 1
  private started = false
  private ended = false
  private expectElement = true
  private inElement = false
  private depth = 0
  private inString = false
  private escaped = false
  private parts: string[] = []
  private chars = 0
  private elementLine = 0

  constructor(
    private readonly path: string,
    private readonly maxRowChars: number,
  ) {}

  *feed(text: string): Generator<SourceRowResult> {
    let from = 0
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) this.line++
      if (this.inElement) {
        if (this.inString) {
          if (this.escaped) this.escaped = false
          else if (c === 92) this.escaped = true
          else if (c === 34) this.inString = false
          continue
        }
        if (c === 34) this.inString = true
        else if (c === 123 || c === 91) this.depth++
        else if ((c === 125 || c === 93) && this.depth > 0) {
          this.depth--
          if (this.depth === 0) {
            yield this.closeElement(text.slice(from, i + 1))
            this.expectElement = false
          }
        } else if (this.depth === 0 && (c === 44 || c === 93)) {
          // The end of a scalar element.
          yield this.closeElement(text.slice(from, i))
          this.expectElement = c === 44
          this.ended = c === 93
        }
        continue
      }
      if (c === 32 || c === 9 || c === 10 || c === 13) continue
      if (!this.started) {
        if (c !== 91) throw this.error('expected the file to start with "[" (a JSON array of objects)')
        this.started = true
      } else if (this.ended) {
        throw this.error('unexpected text after the closing "]" of the array')
      } else if (c === 93) {
        this.ended = true
      } else if (c === 44 && !this.expectElement) {
        this.expectElement = true
      } else if (!this.expectElement) {
        throw this.error(`expected "," or "]" between array elements, found "${text[i]}"`)
      } else {
        this.inElement = true
        this.elementLine = this.line
        from = i
        if (c === 123 || c === 91) this.depth = 1
        else if (c === 34) this.inString = true
      }
    }
    if (this.inElement) this.keep(text.slice(from))
  }

  *end(): Generator<SourceRowResult> {
    if (!this.started) throw this.error('the file is empty: there is no JSON array in it')
    if (this.inElement) {
      yield { line: this.elementLine, reason: 'bad JSON: the file ends inside this element (was it cut short?)' }
    } else if (!this.ended) {
      yield { line: this.line, reason: 'bad JSON: the file ends before the closing "]" of the array (was it cut short?)' }
    }
  }

  private keep(part: string): void {
    this.chars += part.length
    // Past the limit only the length is kept, so one huge element cannot exhaust memory.
    if (this.chars > this.maxRowChars) this.parts = []
    else this.parts.push(part)
  }

  private closeElement(lastPart: string): SourceRowResult {
    this.keep(lastPart)
    const line = this.elementLine
    const chars = this.chars
    const body = this.parts.join('')
    this.parts = []
    this.chars = 0
    this.inElement = false
    this.depth = 0
    if (chars > this.maxRowChars) {
      return { line, reason: `array element is ${formatBytes(chars)}, more than the ${formatBytes(this.maxRowChars)} limit for one row` }
    }
    let value: unknown
    try {
      value = JSON.parse(body)
    } catch (error) {
      return { line, reason: `bad JSON: ${jsonParseProblem(error)}` }
    }
    const record = jsonRecordOrReason(value)
    return typeof record === 'string' ? { line, reason: record } : { line, record }
  }

  private error(reason: string): DatasetFileError {
    return new DatasetFileError(this.path, reason, this.line)
  }
}
