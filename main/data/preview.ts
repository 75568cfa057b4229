import { detectFormat, type DetectedFormat } from './detect-format'
import { DatasetFileError } from './errors'
import { processRow } from './example-pipeline'
import type { DatasetSpec } from './import-dataset'
import { LengthCounter, type LengthStats } from './length-stats'
import { resolveMapping } from './mapping'
import { isMultipleChoiceFault, readMultipleChoice } from './multiple-choice'
import { ChatRenderer } from './render'
import { inspectSource, sourceRows, type DatasetSource } from './source'
import type { TextSpan } from './spans'
import { chooseTemplate, type TemplateChoice } from './templates'
import type { TokenizerBundle } from './tokenizer'
import { isRowError, type ColumnMapping, type ExampleFormat, type SourceRowResult } from './types'

export interface PreviewRequest extends DatasetSpec {
  path: string
  template: TemplateChoice
  trainOnPrompt: boolean
  tokenizer: TokenizerBundle | null
  maxLength: number | null
  /** Rows shown. */
  limit: number
}

export interface PreviewToken {
  id: number
  text: string
  trained: boolean
}

export interface PreviewRow {
  line: number
  raw: Record<string, unknown> | null
  problem: string | null
  rendered: { text: string; spans: TextSpan[] } | null
  tokens: PreviewToken[] | null
  boundaryMerges: number
  /** Multiple choice: the row's choices and the right one (rendered shows the prompt and that choice). */
  choices?: { texts: string[]; answer: number } | null
}

export interface DatasetPreview {
  source: DatasetSource
  detection: DetectedFormat
  /** null when nothing fits and the user has not chosen: rows are then shown raw only. */
  format: ExampleFormat | null
  mapping: ColumnMapping
  /** Why the mapping cannot be used, when it cannot (rows are then shown raw only). */
  mappingProblem: string | null
  template: { name: string; hash: string }
  rows: PreviewRow[]
  tokenLengths: LengthStats | null
}

/**
 * The first rows of a file as the import would see them: raw, rendered with the trained
 * characters marked, and (with a tokenizer) as tokens marked masked or trained. Nothing is
 * stored; this is what the user confirms the format and mapping against.
 */
export async function previewDataset(request: PreviewRequest): Promise<DatasetPreview> {
  const source = await inspectSource(request.path, request.fileType)
  const sample: SourceRowResult[] = []
  const rows = sourceRows(source)
  try {
    for await (const row of rows) {
      sample.push(row)
      if (sample.length >= request.limit) break
    }
  } finally {
    await rows.return(undefined)
  }
  if (sample.length === 0) throw new DatasetFileError(request.path, 'the file has no rows (only blank lines)')
  const records = sample.filter((row) => !isRowError(row)).map((row) => (row as { record: Record<string, unknown> }).record)
  const detection = detectFormat(records, source.fileType)
  const format = request.format ?? detection.format
  let mapping: ColumnMapping = request.mapping ?? {}
  let mappingProblem: string | null = format === null ? detection.reason : null
  if (format !== null) {
    try {
      mapping = resolveMapping(format, detection.columns, format === detection.format ? detection.mapping : {}, request.mapping)
    } catch (error) {
      mappingProblem = (error as Error).message
    }
  }
  const bundle = request.tokenizer
  const template = chooseTemplate(request.template, bundle)
  const renderer = new ChatRenderer(template, bundle?.specialTokens ?? {}, bundle?.addBosToken ?? false)
  const lengths = bundle ? new LengthCounter('tokens') : null

  const previewRows = sample.map((row): PreviewRow => {
    if (isRowError(row)) return { line: row.line, raw: null, problem: row.reason, rendered: null, tokens: null, boundaryMerges: 0 }
    const base = { line: row.line, raw: row.record, rendered: null, tokens: null, boundaryMerges: 0 }
    if (format === null || mappingProblem !== null) return { ...base, problem: null }
    const result = processRow(row, {
      format,
      mapping,
      systemPrompt: request.systemPrompt,
      renderer,
      trainOnPrompt: request.trainOnPrompt,
      tokenizer: bundle?.tokenizer ?? null,
      maxLength: request.maxLength,
      locateTurns: true,
    })
    if (!result.ok) return { ...base, problem: result.reason }
    const tokenized = result.tokenized
    const choices = format === 'multiple-choice' ? readMultipleChoice(row.record, { choices: mapping.choices, answer: mapping.answer }) : null
    if (tokenized) lengths?.add(tokenized.inputIds.length)
    return {
      ...base,
      problem: null,
      rendered: result.rendered,
      tokens: tokenized
        ? tokenized.inputIds.map((id, i) => ({ id, text: bundle!.tokenizer.decode([id]), trained: tokenized.trained[i] === 1 }))
        : null,
      boundaryMerges: tokenized?.boundaryMerges.length ?? 0,
      ...(choices && !isMultipleChoiceFault(choices) ? { choices: { texts: choices.choices, answer: choices.answer } } : {}),
    }
  })
  return {
    source,
    detection,
    format,
    mapping,
    mappingProblem,
    template: { name: template.name, hash: template.hash },
    rows: previewRows,
    tokenLengths: lengths?.summary() ?? null,
  }
}
