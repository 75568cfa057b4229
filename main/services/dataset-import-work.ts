// datasetsImport's work: reads and checks the file (and a separate validation file), tokenises it
// into the cache when a model is given, and records the dataset(s) in one transaction at the end,
// so an import that fails, is stopped or is killed leaves nothing registered. It runs in a
// `dataset-import` job process (main/jobs/kinds/dataset-import.ts): a 200k-row file takes seconds
// of the thread it runs on, and main's must keep answering. The CLI runs it in its own process.
import { rmSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { DatasetsImportInput, type DatasetDetail } from '../contract'
import { importDataset, loadTokenizerBundle, removeAbandonedCacheFiles, type ImportProgress, type ImportReport, type SplitSpec, type TokenizerBundle } from '../data'
import { WorkStopped, type WorkContext } from '../jobs/work-context'
import { isProcessAlive, type Store } from '../store'
import { asDatasetApiError } from './dataset-errors'
import { ProblemsFile } from './problems-file'

/** What main passes: the call's input with its paths made absolute, and where things go. */
export const DatasetImportRequest = z.object({
  dataDir: z.string().min(1),
  /** Tokenized caches. */
  cacheDir: z.string().min(1),
  /** Each import's full problem list, `<dataset id>.problems.jsonl`. */
  reportsDir: z.string().min(1),
  input: DatasetsImportInput,
  /** Chosen by main, so that it can clear what a killed job left (see removeImportLeftovers). */
  datasetId: z.string().min(1),
  /** Set when the input names a separate validation file. */
  validationDatasetId: z.string().min(1).nullable(),
})
export type DatasetImportRequest = z.infer<typeof DatasetImportRequest>

export const DatasetImportResult = z.object({ datasetId: z.string() })
export type DatasetImportResult = z.infer<typeof DatasetImportResult>

type ImportInput = DatasetImportRequest['input']

interface ImportedFile {
  id: string
  input: ImportInput
  report: ImportReport
  problemsFile: string | null
  split: SplitSpec
  validationDatasetId: string | null
}

export async function importAndRecord(request: DatasetImportRequest, store: Store, work: WorkContext): Promise<DatasetImportResult> {
  try {
    const { input } = request
    const bundle = input.model ? loadTokenizer(input.model, work) : null
    if (bundle) await mkdir(request.cacheDir, { recursive: true })
    const validationFile = input.validation.kind === 'file' ? input.validation.path : null
    const validation = validationFile && request.validationDatasetId
      ? await importFile(request, { ...input, path: validationFile, name: undefined }, request.validationDatasetId, { kind: 'none' }, null, bundle, work)
        .catch((error: unknown) => {
          throw namingValidationFile(error, validationFile)
        })
      : null
    const split: SplitSpec = validation ? { kind: 'file', datasetId: validation.id }
      : input.validation.kind === 'file' ? { kind: 'none' } : input.validation
    const imported = await importFile(request, input, request.datasetId, split, validation?.id ?? null, bundle, work)
    if (work.stopRequested()) throw new WorkStopped()
    work.progress(1, 1, `Recording ${input.name ?? basename(input.path)}`)
    store.db.transaction(() => {
      // The validation file's dataset first: the training one refers to it.
      if (validation) record(store, validation, bundle)
      record(store, imported, bundle)
    })()
    return { datasetId: imported.id }
  } catch (error) {
    removeImportLeftovers(request, store)
    throw asDatasetApiError(error)
  }
}

/**
 * The validation file is read with the training file's format and mapping, so a column it lacks
 * is "not in the file": an error about it says it is the validation file, or the user looks for
 * the fault in the training file. Only the user's errors (the ones shown as they are) are named.
 */
function namingValidationFile(error: unknown, path: string): unknown {
  if (!(error instanceof Error) || asDatasetApiError(error) === error) return error
  error.message = error.message.startsWith(path) ? `The validation file ${error.message}` : `The validation file ${path}: ${error.message}`
  return error
}

/**
 * Removes the problem lists of this request's datasets that were not recorded, and unfinished
 * cache files whose writer has died: what a failed, stopped or killed import leaves. (Finished
 * tokenized caches are named by their content and kept: a later import of the same file and
 * options writes the same one.)
 */
export function removeImportLeftovers(request: DatasetImportRequest, store: Store): void {
  for (const id of [request.datasetId, request.validationDatasetId]) {
    if (id && !store.datasets.get(id)) rmSync(problemsPath(request.reportsDir, id), { force: true })
  }
  removeAbandonedCacheFiles(request.cacheDir, isProcessAlive)
}

function problemsPath(reportsDir: string, datasetId: string): string {
  return join(reportsDir, `${datasetId}.problems.jsonl`)
}

function loadTokenizer(modelDir: string, work: WorkContext): TokenizerBundle {
  work.progress(0, 0, `Loading the tokenizer of ${modelDir}`)
  return loadTokenizerBundle(modelDir)
}

async function importFile(
  request: DatasetImportRequest, input: ImportInput, id: string, split: SplitSpec, validationDatasetId: string | null,
  bundle: TokenizerBundle | null, work: WorkContext,
): Promise<ImportedFile> {
  const problemsFile = new ProblemsFile(problemsPath(request.reportsDir, id))
  const name = basename(input.path)
  try {
    const report = await importDataset({
      path: input.path,
      fileType: input.fileType,
      format: input.format,
      mapping: input.mapping,
      systemPrompt: input.systemPrompt,
      onError: input.onError,
      template: input.template,
      trainOnPrompt: input.trainOnPrompt,
      tokenization: bundle ? { bundle, maxLength: input.maxLength ?? null, cacheDir: request.cacheDir } : null,
      split,
      onProblem: (problem) => problemsFile.add(problem),
      // A throw here ends the import there, and importDataset removes its unfinished cache file.
      onProgress: (progress) => {
        if (work.stopRequested()) throw new WorkStopped()
        reportProgress(work, name, progress)
      },
    })
    return { id, input, report, problemsFile: problemsFile.count > 0 ? problemsFile.path : null, split, validationDatasetId }
  } finally {
    problemsFile.flush()
  }
}

function reportProgress(work: WorkContext, name: string, progress: ImportProgress): void {
  if (progress.stage === 'hashing') {
    work.progress(progress.bytes, progress.totalBytes, `Checking ${name}: ${megabytes(progress.bytes)} of ${megabytes(progress.totalBytes)} MB`)
    return
  }
  const rows = `${progress.rows.toLocaleString('en-US')} rows read`
  // Parquet rows are not lines: how many there are is known only at the end.
  if (progress.lines === null) work.progress(progress.rows, 0, `Reading ${name}: ${rows}`)
  else work.progress(Math.min(progress.line, progress.lines), progress.lines, `Reading ${name}: ${rows}`)
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1)
}

function record(store: Store, file: ImportedFile, bundle: TokenizerBundle | null): void {
  const { input, report } = file
  store.datasets.insert({
    id: file.id,
    name: input.name ?? basename(input.path),
    path: input.path,
    fileType: report.source.fileType,
    encoding: report.source.encoding,
    format: report.format,
    contentHash: report.source.contentHash,
    sizeBytes: report.source.sizeBytes,
    mtimeMs: report.source.mtimeMs,
    mapping: report.mapping,
    options: {
      systemPrompt: input.systemPrompt,
      template: input.template,
      trainOnPrompt: input.trainOnPrompt,
      maxLength: input.maxLength ?? null,
      onError: input.onError,
      split: file.split,
      model: input.model ?? null,
    },
    report: storedReport(report, file.problemsFile),
    numExamples: report.counts.examples,
    validationDatasetId: file.validationDatasetId,
  })
  if (report.cache && bundle) {
    store.datasets.putCache({
      key: report.cache.key,
      datasetId: file.id,
      contentHash: report.cache.contentHash,
      tokenizerHash: report.cache.tokenizerHash,
      templateName: report.cache.templateName,
      templateHash: report.cache.templateHash,
      maxLength: report.cache.maxLength,
      trainOnPrompt: report.cache.trainOnPrompt,
      path: report.cache.path,
      numExamples: report.cache.numExamples,
      numTokens: report.cache.numTokens,
    })
  }
}

function storedReport(report: ImportReport, problemsFile: string | null): DatasetDetail['report'] {
  return {
    counts: report.counts,
    detection: { format: report.detection.format, columns: report.detection.columns, reason: report.detection.reason },
    template: report.template,
    problems: report.problems,
    problemsNotListed: report.problemsNotListed,
    problemsFile,
    warnings: report.warnings,
    stats: report.stats,
    seconds: report.seconds,
  }
}
