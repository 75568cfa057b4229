import { DatasetFileError } from '../errors'
import { formatBytes } from '../../contract/format-bytes'
import { readLines, type LineReaderOptions } from '../line-reader'
import type { SourceRowResult } from '../types'

/**
 * CSV and TSV (RFC 4180): the first record is the header; fields may be quoted with `"`,
 * a quote inside a quoted field is doubled, and quoted fields may span lines. Rows are
 * named by the line they start on.
 */
export async function* readDelimited(
  path: string,
  delimiter: ',' | '\t',
  options: LineReaderOptions,
  onBlankLine: () => void,
): AsyncGenerator<SourceRowResult> {
  const parser = new RecordParser(delimiter)
  let header: string[] | null = null
  let startLine = 0
  let chars = 0
  for await (const line of readLines(path, options)) {
    if ('problem' in line) {
      parser.reset()
      yield { line: line.number, reason: line.problem }
      continue
    }
    if (!parser.open) {
      if (line.text.trim() === '') {
        onBlankLine()
        continue
      }
      startLine = line.number
      chars = 0
    }
    chars += line.text.length + 1
    const fields = parser.feed(line.text)
    if (fields === 'open') {
      if (chars > options.maxLineBytes) {
        parser.reset()
        yield { line: startLine, reason: `quoted field opened on line ${startLine} is still open after ${formatBytes(chars)}; a closing quote is missing` }
      }
      continue
    }
    if (typeof fields === 'string') {
      yield { line: startLine, reason: fields }
      continue
    }
    if (header === null) {
      header = checkHeader(path, startLine, fields)
      continue
    }
    if (fields.length !== header.length) {
      yield {
        line: startLine,
        reason:
          `has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${header.length} ` +
          `(${header.join(', ')}); a ${delimiter === ',' ? 'comma' : 'tab'} inside a value needs the value in double quotes`,
      }
      continue
    }
    const record: Record<string, unknown> = {}
    header.forEach((name, index) => (record[name] = fields[index]))
    yield { line: startLine, record }
  }
  if (parser.open) yield { line: startLine, reason: `quoted field opened on line ${startLine} is never closed (the file ends inside it)` }
  if (header === null) throw new DatasetFileError(path, 'the file is empty: no header row')
}

function checkHeader(path: string, line: number, fields: string[]): string[] {
  const names = fields.map((name, index) => name.trim() || `column_${index + 1}`)
  const seen = new Set<string>()
  for (const name of names) {
    if (seen.has(name)) throw new DatasetFileError(path, `the header names column "${name}" twice; rename one of them`, line)
    seen.add(name)
  }
  return names
}

/** Splits records into fields, one line at a time, remembering an open quote between lines. */
export class RecordParser {
  private fields: string[] = []
  private field = ''
  private quoted = false
  private afterQuote = false
  open = false

  constructor(private readonly delimiter: string) {}

  reset(): void {
    this.fields = []
    this.field = ''
    this.quoted = false
    this.afterQuote = false
    this.open = false
  }

  /** The record's fields once it is complete, 'open' inside a multi-line field, or why it is malformed. */
  feed(line: string): string[] | 'open' | string {
    let i = 0
    if (this.open) {
      this.field += '\n'
    }
    while (i < line.length) {
      const c = line[i]
      if (this.quoted) {
        if (c === '"') {
          if (line[i + 1] === '"') {
            this.field += '"'
            i += 2
            continue
          }
          this.quoted = false
          this.afterQuote = true
        } else {
          this.field += c
        }
        i++
        continue
      }
      if (c === this.delimiter) {
        this.fields.push(this.field)
        this.field = ''
        this.afterQuote = false
      } else if (this.afterQuote) {
        const column = i + 1
        this.reset()
        return `unexpected text after a closing quote at column ${column}; a quote inside a quoted value must be doubled ("")`
      } else if (c === '"' && this.field === '') {
        this.quoted = true
      } else {
        this.field += c
      }
      i++
    }
    if (this.quoted) {
      this.open = true
      return 'open'
    }
    this.fields.push(this.field)
    const fields = this.fields
    this.reset()
    return fields
  }
}
