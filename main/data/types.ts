// The shapes data flows through: file → rows → canonical examples → rendered text → tokens.

/** How the bytes of a file are organised into rows. */
export type FileType = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet' | 'text'
export const FILE_TYPES: readonly FileType[] = ['jsonl', 'json', 'csv', 'tsv', 'parquet', 'text']

export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be'

/** What a row means: which fields hold the prompt, the answer, the conversation. */
export type ExampleFormat = 'alpaca' | 'chat' | 'prompt-completion' | 'multiple-choice' | 'text'
export const EXAMPLE_FORMATS: readonly ExampleFormat[] = ['alpaca', 'chat', 'prompt-completion', 'multiple-choice', 'text']

/**
 * Which column of the file feeds each field of the format (`{ output: "response" }`).
 * For `chat`, `role` and `content` name the keys inside each message object.
 */
export type ColumnMapping = Record<string, string>

/** One row as the reader found it; `line` is 1-based (the row number for Parquet). */
export interface SourceRow {
  line: number
  record: Record<string, unknown>
}

/** A row the reader could not turn into a record (bad JSON, bad bytes, wrong column count ...). */
export interface SourceRowError {
  line: number
  reason: string
}

export type SourceRowResult = SourceRow | SourceRowError

export function isRowError(row: SourceRowResult): row is SourceRowError {
  return (row as SourceRowError).reason !== undefined
}

export type Role = 'system' | 'user' | 'assistant'

export interface ChatMessage {
  role: Role
  content: string
}

/** The canonical example every format is normalised to. */
export type Example =
  | { kind: 'chat'; messages: ChatMessage[] }
  | { kind: 'text'; text: string }

/** A bad row, named so a user can find and fix it. */
export interface RowProblem {
  file: string
  line: number
  reason: string
  /** The format field involved, when there is one. */
  field?: string
}

export function formatProblem(problem: RowProblem): string {
  return `${problem.file}:${problem.line}: ${problem.reason}`
}
