import { readLines, type LineReaderOptions } from '../line-reader'
import type { SourceRowResult } from '../types'
import { jsonParseProblem, jsonRecordOrReason } from './json-record'

/** JSON Lines: one JSON object per line; blank lines are not rows. */
export async function* readJsonl(path: string, options: LineReaderOptions, onBlankLine: () => void): AsyncGenerator<SourceRowResult> {
  for await (const line of readLines(path, options)) {
    if ('problem' in line) {
      yield { line: line.number, reason: line.problem }
      continue
    }
    if (line.text.trim() === '') {
      onBlankLine()
      continue
    }
    let value: unknown
    try {
      value = JSON.parse(line.text)
    } catch (error) {
      yield { line: line.number, reason: `bad JSON: ${jsonParseProblem(error)}${truncationHint(line.text)}` }
      continue
    }
    const record = jsonRecordOrReason(value)
    yield typeof record === 'string' ? { line: line.number, reason: record } : { line: line.number, record }
  }
}

function truncationHint(text: string): string {
  const trimmed = text.trimEnd()
  return trimmed.startsWith('{') && !trimmed.endsWith('}') ? ' (the line ends before the object closes: was the file cut short?)' : ''
}
