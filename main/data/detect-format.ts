import { FORMAT_FIELDS, isColumnField } from './format-fields'
import { EXAMPLE_FORMATS, type ColumnMapping, type ExampleFormat, type FileType } from './types'

export interface DetectedFormat {
  /** null when no format fits: the user must choose one and map its columns. */
  format: ExampleFormat | null
  mapping: ColumnMapping
  /** Columns seen in the sample, in order of first appearance. */
  columns: string[]
  /** Why this format was chosen, or why none was. */
  reason: string
}

/** Guesses the example format and its column mapping from the first rows of a file. */
export function detectFormat(sample: Record<string, unknown>[], fileType: FileType): DetectedFormat {
  const columns = columnsOf(sample)
  if (fileType === 'text') return { format: 'text', mapping: { text: 'text' }, columns, reason: 'plain text: one example per line' }
  const has = (candidates: string[]) => candidates.find((name) => columns.includes(name))

  const messagesColumn = has(FORMAT_FIELDS.chat[0].candidates)
  if (messagesColumn) {
    const messages = sample.map((record) => asJsonList(record[messagesColumn])).find((list) => list && list.length > 0)
    if (messages) {
      const first = messages[0] as Record<string, unknown>
      const shareGpt = 'from' in first && 'value' in first
      const mapping: ColumnMapping = shareGpt
        ? { messages: messagesColumn, role: 'from', content: 'value' }
        : { messages: messagesColumn, role: 'role', content: 'content' }
      const systemColumn = has(FORMAT_FIELDS.chat[3].candidates)
      if (systemColumn) mapping.system = systemColumn
      return {
        format: 'chat',
        mapping,
        columns,
        reason: `column "${messagesColumn}" holds ${shareGpt ? 'ShareGPT (from/value)' : 'OpenAI-style (role/content)'} messages`,
      }
    }
  }
  // Multiple choice first: its "answer" column would also pass for a prompt-completion row's completion.
  for (const format of ['multiple-choice', 'alpaca', 'prompt-completion', 'text'] as const) {
    const mapping = defaultMapping(format, columns)
    const required = FORMAT_FIELDS[format].filter((field) => field.required)
    if (required.every((field) => mapping[field.name] !== undefined)) {
      const used = required.map((field) => `"${mapping[field.name]}"`).join(', ')
      return { format, mapping, columns, reason: `columns ${used} fit the ${format} format` }
    }
  }
  return {
    format: null,
    mapping: {},
    columns,
    reason:
      `no known format fits the columns ${columns.map((c) => `"${c}"`).join(', ') || '(none)'}: ` +
      `choose a format (${EXAMPLE_FORMATS.join(', ')}) and map its fields to columns`,
  }
}

/** The mapping detection would pick for `format`, from the candidate column names. */
export function defaultMapping(format: ExampleFormat, columns: string[]): ColumnMapping {
  const mapping: ColumnMapping = {}
  for (const field of FORMAT_FIELDS[format]) {
    if (!isColumnField(format, field.name)) {
      mapping[field.name] = field.candidates[0]
      continue
    }
    const column = field.candidates.find((name) => columns.includes(name))
    if (column !== undefined) mapping[field.name] = column
  }
  return mapping
}

/** A list column's value (chat messages, multiple choices): an array, or (CSV, Parquet string columns) JSON text holding one. */
export function asJsonList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value
  if (typeof value === 'string' && value.trimStart().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown
      return Array.isArray(parsed) ? parsed : null
    } catch {
      return null
    }
  }
  return null
}

function columnsOf(sample: Record<string, unknown>[]): string[] {
  const seen = new Set<string>()
  for (const record of sample) for (const key of Object.keys(record)) seen.add(key)
  return [...seen]
}
