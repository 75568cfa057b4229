import { join } from 'node:path'
import { hashFile, hashJson } from './content-hash'
import { detectFormat, type DetectedFormat } from './detect-format'
import { DatasetFileError, DatasetRowError } from './errors'
import { processRow } from './example-pipeline'
import { LengthCounter, type LengthStats } from './length-stats'
import { resolveMapping } from './mapping'
import { ChatRenderer } from './render'
import { inspectSource, sourceRows, type DatasetSource } from './source'
import { splitLeavesNothing, validationCount, type SplitSpec } from './split'
import { chooseTemplate, type TemplateChoice } from './templates'
import { TokenCacheWriter, type TokenCacheMeta } from './token-cache'
import type { TokenizerBundle } from './tokenizer'
import { isRowError, type ColumnMapping, type ExampleFormat, type FileType, type RowProblem, type SourceRowResult } from './types'

export type OnError = 'skip' | 'stop'

/** What to read and how to turn it into training examples. */
export interface DatasetSpec {
  fileType?: FileType
  format?: ExampleFormat
  mapping?: ColumnMapping
  systemPrompt?: string
}

export interface TokenizationSpec {
  bundle: TokenizerBundle
  maxLength: number | null
  /** Folder for the tokenized cache file (named by its key). */
  cacheDir: string
}

export interface ImportRequest extends DatasetSpec {
  path: string
  onError: OnError
  template: TemplateChoice
  trainOnPrompt: boolean
  tokenization: TokenizationSpec | null
  split: SplitSpec
  maxRowBytes?: number
  /** How many rows format detection looks at. */
  sampleRows?: number
  /** How many problems the report keeps in memory (all are counted and passed to onProblem). */
  problemLimit?: number
  onProblem?: (problem: RowProblem) => void
  /** Called as the file is hashed (each MiB) and as its rows are read (every PROGRESS_ROWS rows); a throw stops the import, leaving no cache file. */
  onProgress?: (progress: ImportProgress) => void
}

/**
 * How far an import got. The whole file is hashed first (its content names the cache), then its
 * rows are read. `line` of `lines` is how far through the file the rows are: the row count itself
 * is unknown until the end. `lines` is null for Parquet, whose rows are not lines.
 */
export type ImportProgress =
  | { stage: 'hashing'; bytes: number; totalBytes: number }
  | { stage: 'reading'; rows: number; line: number; lines: number | null }

export interface ImportReport {
  source: DatasetSource & { contentHash: string }
  format: ExampleFormat
  mapping: ColumnMapping
  detection: DetectedFormat
  template: { name: string; hash: string }
  counts: {
    /** Rows read (good and bad); blank lines are not rows. */
    rows: number
    examples: number
    skipped: number
    blankLines: number
    train: number
    validation: number
  }
  problems: RowProblem[]
  problemsNotListed: number
  /** Things worth knowing that do not make a row bad (e.g. prompt/completion merged into one token). */
  warnings: string[]
  stats: { characters: LengthStats; tokens: LengthStats | null; trainedTokens: number | null }
  cache: (TokenCacheMeta & { path: string }) | null
  seconds: number
}

const DEFAULT_SAMPLE_ROWS = 64
const PROGRESS_ROWS = 1000
const DEFAULT_PROBLEM_LIMIT = 1000
const WARNING_LIMIT = 50

/** The tokenized-cache key: any change to data, mapping, tokenizer, template, max_length or masking changes it. */
export function tokenCacheKey(parts: {
  contentHash: string
  spec: DatasetSpec
  tokenizerHash: string
  templateHash: string
  maxLength: number | null
  trainOnPrompt: boolean
}): string {
  return hashJson({ version: 1, ...parts }).slice(0, 32)
}

/**
 * Reads a dataset file once, streaming: detects its format (unless given), checks every
 * row, renders it, and with a tokenizer tokenises it into the cache. Bad rows stop the
 * import (`stop`) or are skipped and listed (`skip`); none is dropped without a trace.
 */
export async function importDataset(request: ImportRequest): Promise<ImportReport> {
  const started = performance.now()
  const inspected = await inspectSource(request.path, request.fileType)
  const lineCount = request.onProgress && inspected.fileType !== 'parquet' ? new LineCounter() : null
  let hashed = 0
  const contentHash = await hashFile(request.path, (chunk) => {
    if (!request.onProgress) return
    hashed += chunk.length
    lineCount?.add(chunk)
    request.onProgress({ stage: 'hashing', bytes: hashed, totalBytes: inspected.sizeBytes })
  })
  const lines = lineCount?.total() ?? null
  const source = { ...inspected, contentHash }
  let blankLines = 0
  const rows = sourceRows(source, { maxRowBytes: request.maxRowBytes, onBlankLine: () => blankLines++ })

  // Detection looks at the first rows; they are kept and replayed into the main loop.
  const sample: SourceRowResult[] = []
  const sampleSize = request.sampleRows ?? DEFAULT_SAMPLE_ROWS
  for (let next = await rows.next(); !next.done; next = await rows.next()) {
    sample.push(next.value)
    if (sample.length >= sampleSize) break
  }
  if (sample.length === 0) throw new DatasetFileError(request.path, 'the file has no rows (only blank lines)')
  const records = sample.filter((row) => !isRowError(row)).map((row) => (row as { record: Record<string, unknown> }).record)
  const detection = detectFormat(records, source.fileType)
  const format = request.format ?? detection.format
  if (records.length === 0) {
    const first = sample[0] as { line: number; reason: string }
    throw new DatasetFileError(request.path, `none of the first ${sample.length} rows can be read (first problem: line ${first.line}: ${first.reason})`)
  }
  if (format === null) throw new DatasetFileError(request.path, detection.reason)
  const mapping = resolveMapping(format, detection.columns, format === detection.format ? detection.mapping : {}, request.mapping)
  const spec: DatasetSpec = { fileType: source.fileType, format, mapping, systemPrompt: request.systemPrompt }

  const bundle = request.tokenization?.bundle ?? null
  const template = chooseTemplate(request.template, bundle)
  const renderer = new ChatRenderer(template, bundle?.specialTokens ?? {}, bundle?.addBosToken ?? false)
  const maxLength = request.tokenization?.maxLength ?? null
  const cacheKey = bundle
    ? tokenCacheKey({ contentHash, spec, tokenizerHash: bundle.hash, templateHash: template.hash, maxLength, trainOnPrompt: request.trainOnPrompt })
    : null
  const cachePath = cacheKey && request.tokenization ? join(request.tokenization.cacheDir, `${cacheKey}.tokens`) : null
  const writer = cachePath ? await TokenCacheWriter.create(cachePath) : null

  const problems: RowProblem[] = []
  const warnings: string[] = []
  let problemsTotal = 0
  let warningsTotal = 0
  let rowCount = 0
  let examples = 0
  let trainedTokens = 0
  const characters = new LengthCounter('characters')
  const tokens = bundle ? new LengthCounter('tokens') : null
  const problemLimit = request.problemLimit ?? DEFAULT_PROBLEM_LIMIT

  const report = (problem: RowProblem) => {
    if (request.onError === 'stop') throw new DatasetRowError(problem)
    problemsTotal++
    if (problems.length < problemLimit) problems.push(problem)
    request.onProblem?.(problem)
  }

  const handle = async (row: SourceRowResult) => {
    rowCount++
    if (rowCount % PROGRESS_ROWS === 0) request.onProgress?.({ stage: 'reading', rows: rowCount, line: row.line, lines })
    if (isRowError(row)) return report({ file: request.path, line: row.line, reason: row.reason })
    const result = processRow(row, { format, mapping, systemPrompt: request.systemPrompt, renderer, trainOnPrompt: request.trainOnPrompt, tokenizer: bundle?.tokenizer ?? null, maxLength })
    if (!result.ok) return report({ file: request.path, line: row.line, reason: result.reason, ...(result.field ? { field: result.field } : {}) })
    examples++
    characters.add(result.rendered.text.length)
    if (result.tokenized) {
      tokens?.add(result.tokenized.inputIds.length)
      for (const flag of result.tokenized.trained) trainedTokens += flag
      for (const merge of result.tokenized.boundaryMerges) {
        warningsTotal++
        if (warnings.length < WARNING_LIMIT) {
          warnings.push(
            `${request.path}:${row.line}: the prompt and the completion share token ${merge.tokenIndex} at character ${merge.charOffset} ` +
              '(the text runs on across the boundary); that token is trained',
          )
        }
      }
      await writer?.add(row.line, result.tokenized)
    }
  }

  let cache: ImportReport['cache'] = null
  try {
    for (const row of sample) await handle(row)
    for await (const row of rows) await handle(row)
    if (examples === 0) {
      throw new DatasetFileError(request.path, `none of its ${rowCount} rows is a usable example (first problem: ${problems[0] ? `line ${problems[0].line}: ${problems[0].reason}` : 'none'})`)
    }
    // Checked before the cache is committed: a split that leaves nothing to train on registers nothing.
    const nothingToTrain = splitLeavesNothing(request.split, examples)
    if (nothingToTrain) throw new DatasetFileError(request.path, nothingToTrain)
    if (writer && cacheKey && bundle && cachePath) {
      const meta = await writer.commit({
        key: cacheKey,
        numTokens: tokens?.summary().total ?? 0,
        numTrainedTokens: trainedTokens,
        maxLength,
        trainOnPrompt: request.trainOnPrompt,
        tokenizerHash: bundle.hash,
        templateName: template.name,
        templateHash: template.hash,
        contentHash,
      })
      cache = { ...meta, path: cachePath }
    }
  } catch (error) {
    await writer?.abort()
    await rows.return(undefined)
    throw error
  }
  if (warningsTotal > warnings.length) warnings.push(`… and ${warningsTotal - warnings.length} more rows where prompt and completion share a token`)

  const validation = validationCount(request.split, examples)
  return {
    source,
    format,
    mapping,
    detection,
    template: { name: template.name, hash: template.hash },
    counts: { rows: rowCount, examples, skipped: problemsTotal, blankLines, train: examples - validation, validation },
    problems,
    problemsNotListed: problemsTotal - problems.length,
    warnings,
    stats: { characters: characters.summary(), tokens: tokens?.summary() ?? null, trainedTokens: bundle ? trainedTokens : null },
    cache,
    seconds: (performance.now() - started) / 1000,
  }
}

/**
 * Lines in a text file, from its bytes: newlines, plus a last line without one. Only for progress,
 * so a UTF-16 file's stray 0x0A bytes (inside other characters) may count a few lines too many.
 */
class LineCounter {
  private newlines = 0
  private lastByte = -1

  add(chunk: Buffer): void {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) this.newlines++
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1]
  }

  total(): number {
    return this.newlines + (this.lastByte !== -1 && this.lastByte !== 0x0a ? 1 : 0)
  }
}
