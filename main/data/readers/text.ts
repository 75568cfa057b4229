import { readLines, type LineReaderOptions } from '../line-reader'
import type { SourceRowResult } from '../types'

/** Plain text: every non-blank line is one example, in a `text` column. */
export async function* readText(path: string, options: LineReaderOptions, onBlankLine: () => void): AsyncGenerator<SourceRowResult> {
  for await (const line of readLines(path, options)) {
    if ('problem' in line) yield { line: line.number, reason: line.problem }
    else if (line.text.trim() === '') onBlankLine()
    else yield { line: line.number, record: { text: line.text } }
  }
}
