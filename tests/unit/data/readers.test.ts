import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { DatasetFileError, importDataset, inspectSource, isRowError, sourceRows, type ImportRequest, type SourceRowResult } from '../../../main/data'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-data-readers-')))
afterEach(() => temp.remove())

function write(name: string, content: string | Buffer): string {
  const path = join(temp.dir, name)
  writeFileSync(path, content)
  return path
}

async function rowsOf(path: string): Promise<SourceRowResult[]> {
  const rows: SourceRowResult[] = []
  for await (const row of sourceRows(await inspectSource(path))) rows.push(row)
  return rows
}

function importSkipping(path: string, extra: Partial<ImportRequest> = {}) {
  return importDataset({ path, onError: 'skip', template: 'chatml', trainOnPrompt: false, tokenization: null, split: { kind: 'none' }, ...extra })
}

async function fileError(promise: Promise<unknown>): Promise<{ file: string; line?: number; reason: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(DatasetFileError)
  const { file, line, reason } = error as DatasetFileError
  return { file, line, reason }
}

const alpacaRows = [
  { instruction: 'Say hi', input: '', output: 'Hi!' },
  { instruction: 'Add', input: '2+2', output: '4' },
]

describe('readers: every file type gives the same rows', () => {
  it('JSON Lines, with CRLF line ends and a blank line', async () => {
    const path = write('a.jsonl', alpacaRows.map((r) => JSON.stringify(r)).join('\r\n') + '\r\n\r\n')
    expect(await rowsOf(path)).toEqual([
      { line: 1, record: alpacaRows[0] },
      { line: 2, record: alpacaRows[1] },
    ])
  })

  it('a JSON array, pretty-printed over many lines, rows named by the line they start on', async () => {
    const path = write('a.json', JSON.stringify(alpacaRows, null, 2))
    expect(await rowsOf(path)).toEqual([
      { line: 2, record: alpacaRows[0] },
      { line: 7, record: alpacaRows[1] },
    ])
  })

  it('a JSON array on one line, with brackets and quotes inside strings', async () => {
    const tricky = [{ text: 'a ] } [ { "quoted" \\ back' }, { text: 'second, with comma' }]
    const path = write('one-line.json', JSON.stringify(tricky))
    expect(await rowsOf(path)).toEqual(tricky.map((record) => ({ line: 1, record })))
  })

  it('CSV with quotes, doubled quotes and a value spanning lines', async () => {
    const path = write('a.csv', 'prompt,completion\n"Say ""hi""",Hi!\n"Two\nlines",ok\nplain,"a, b"\n')
    expect(await rowsOf(path)).toEqual([
      { line: 2, record: { prompt: 'Say "hi"', completion: 'Hi!' } },
      { line: 3, record: { prompt: 'Two\nlines', completion: 'ok' } },
      { line: 5, record: { prompt: 'plain', completion: 'a, b' } },
    ])
  })

  it('TSV', async () => {
    const path = write('a.tsv', 'prompt\tcompletion\nQ1\tA1\n"Q\t2"\tA2\n')
    expect(await rowsOf(path)).toEqual([
      { line: 2, record: { prompt: 'Q1', completion: 'A1' } },
      { line: 3, record: { prompt: 'Q\t2', completion: 'A2' } },
    ])
  })

  it('Parquet, row group by row group, rows numbered across groups', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'prompt', data: ['p1', 'p2', 'p3'], type: 'STRING' },
        { name: 'completion', data: ['c1', 'c2', 'c3'], type: 'STRING' },
      ],
      rowGroupSize: 2,
    })
    const path = write('a.parquet', Buffer.from(buffer))
    expect((await inspectSource(path)).fileType).toBe('parquet')
    expect(await rowsOf(path)).toEqual([
      { line: 1, record: { prompt: 'p1', completion: 'c1' } },
      { line: 2, record: { prompt: 'p2', completion: 'c2' } },
      { line: 3, record: { prompt: 'p3', completion: 'c3' } },
    ])
  })

  it('plain text: one example per non-blank line', async () => {
    const path = write('a.txt', 'first line\n\nsecond line\n')
    expect(await rowsOf(path)).toEqual([
      { line: 1, record: { text: 'first line' } },
      { line: 3, record: { text: 'second line' } },
    ])
  })

  it('UTF-8 with a BOM, and UTF-16 LE and BE with BOMs', async () => {
    const text = '{"text":"héllo ✓"}\n{"text":"zwei"}\n'
    const expected = [
      { line: 1, record: { text: 'héllo ✓' } },
      { line: 2, record: { text: 'zwei' } },
    ]
    const bom8 = write('bom8.jsonl', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))
    const le = write('le.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]))
    const beBody = Buffer.from(text, 'utf16le').swap16()
    const be = write('be.jsonl', Buffer.concat([Buffer.from([0xfe, 0xff]), beBody]))
    expect((await inspectSource(bom8)).encoding).toBe('utf-8-bom')
    expect((await inspectSource(le)).encoding).toBe('utf-16le')
    for (const path of [bom8, le, be]) expect(await rowsOf(path)).toEqual(expected)
  })
})

describe('broken files: each gives its error, naming file, line and reason', () => {
  it('a truncated JSON line', async () => {
    const path = write('trunc.jsonl', '{"text":"ok"}\n{"text":"cut sho')
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      {
        file: path,
        line: 2,
        reason:
          'bad JSON: Unterminated string in JSON at position 16 (the line ends before the object closes: was the file cut short?)',
      },
    ])
    expect(report.counts).toMatchObject({ rows: 2, examples: 1, skipped: 1 })
  })

  it('a truncated JSON array', async () => {
    const path = write('trunc.json', '[\n{"text":"ok"},\n{"text":"cut')
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      { file: path, line: 3, reason: 'bad JSON: the file ends inside this element (was it cut short?)' },
    ])
  })

  it('a CSV row with the wrong number of columns', async () => {
    const path = write('wrong.csv', 'prompt,completion\nQ1,A1\nQ2,A2,extra\n')
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      {
        file: path,
        line: 3,
        reason:
          'has 3 fields but the header has 2 (prompt, completion); a comma inside a value needs the value in double quotes',
      },
    ])
  })

  it('a mapped column missing from a row', async () => {
    const path = write('missing.jsonl', '{"prompt":"Q1","completion":"A1"}\n{"prompt":"Q2","answer":"A2"}\n')
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      { file: path, line: 2, field: 'completion', reason: 'missing field "completion" (column "completion" is absent)' },
    ])
  })

  it('mixed encodings: a Latin-1 line in a UTF-8 file', async () => {
    const path = write(
      'mixed.jsonl',
      Buffer.concat([Buffer.from('{"text":"café"}\n'), Buffer.from('{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    )
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      {
        file: path,
        line: 2,
        reason:
          'invalid UTF-8 byte 0xE9 at column 13: this line is in another encoding (Latin-1 or Windows-1252?) than the rest of the file. Re-save the file as UTF-8',
      },
    ])
    expect(report.counts.examples).toBe(1)
  })

  it('a 10 MB single line is refused without being held in memory, and the next line still reads', async () => {
    const huge = `{"text":"${'x'.repeat(10 * 1024 * 1024)}"}`
    const path = write('huge.jsonl', `${huge}\n{"text":"after"}\n`)
    const report = await importSkipping(path)
    expect(report.problems).toEqual([
      {
        file: path,
        line: 1,
        reason:
          'line is 10.0 MiB, more than the 4.0 MiB limit for one row (no max_length could hold it; is the file missing line breaks, e.g. one JSON document on a single line?)',
      },
    ])
    expect(report.counts.examples).toBe(1)
  })

  it('an empty file', async () => {
    const path = write('empty.jsonl', '')
    expect(await fileError(importSkipping(path))).toEqual({ file: path, line: undefined, reason: 'the file is empty (0 bytes)' })
  })

  it('a file of blank lines', async () => {
    const path = write('blank.jsonl', '\n\n  \n')
    expect(await fileError(importSkipping(path))).toEqual({ file: path, line: undefined, reason: 'the file has no rows (only blank lines)' })
  })

  it('a binary file', async () => {
    const path = write('binary.jsonl', Buffer.from([0x7b, 0x00, 0x01, 0x02]))
    expect((await fileError(importSkipping(path))).reason).toBe(
      'contains NUL bytes (at byte 1): it is a binary file, or UTF-16 text without a byte-order mark. Save it as UTF-8',
    )
  })

  it('an unclosed quote in a CSV', async () => {
    const path = write('open.csv', 'prompt,completion\nQ1,"never closed\nmore\n')
    const report = await importSkipping(path).catch((e: Error) => e)
    expect(report).toBeInstanceOf(DatasetFileError)
    expect((report as DatasetFileError).reason).toBe('none of the first 1 rows can be read (first problem: line 2: quoted field opened on line 2 is never closed (the file ends inside it))')
  })

  it('a JSON array holding something other than objects', async () => {
    const path = write('scalars.json', '[{"text":"ok"}, 3, "four"]')
    const rows = await rowsOf(path)
    expect(rows.filter(isRowError)).toEqual([
      { line: 1, reason: 'expected a JSON object with named fields, got a number' },
      { line: 1, reason: 'expected a JSON object with named fields, got a string' },
    ])
  })
})
