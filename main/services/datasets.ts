import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type DatasetDetail, type DatasetSummary } from '../contract'
import { importDataset, loadTokenizerBundle, previewDataset, type ImportReport, type SplitSpec } from '../data'
import type { ImportedDatasetRecord, Store } from '../store'
import { asDatasetApiError } from './dataset-errors'
import { ProblemsFile } from './problems-file'

type ImportInput = CallParsedInput<'datasetsImport'>

/** Where imports keep what they write: tokenized caches and full problem lists. */
export function datasetsDir(dataDir: string): { cacheDir: string; reportsDir: string } {
  return { cacheDir: join(dataDir, 'datasets', 'cache'), reportsDir: join(dataDir, 'datasets', 'reports') }
}

export function createDatasetHandlers(store: Store, dataDir: string) {
  const dirs = datasetsDir(dataDir)

  async function importOne(input: ImportInput, split: SplitSpec, validationDatasetId: string | null): Promise<DatasetDetail> {
    const path = resolve(input.path)
    const id = randomUUID()
    const bundle = input.model ? loadTokenizerBundle(resolve(input.model)) : null
    if (bundle) mkdirSync(dirs.cacheDir, { recursive: true })
    const problemsFile = new ProblemsFile(join(dirs.reportsDir, `${id}.problems.jsonl`))
    let report: ImportReport
    try {
      report = await importDataset({
        path,
        fileType: input.fileType,
        format: input.format,
        mapping: input.mapping,
        systemPrompt: input.systemPrompt,
        onError: input.onError,
        template: input.template,
        trainOnPrompt: input.trainOnPrompt,
        tokenization: bundle ? { bundle, maxLength: input.maxLength ?? null, cacheDir: dirs.cacheDir } : null,
        split,
        onProblem: (problem) => problemsFile.add(problem),
      })
    } finally {
      problemsFile.flush()
    }
    const options = {
      systemPrompt: input.systemPrompt,
      template: input.template,
      trainOnPrompt: input.trainOnPrompt,
      maxLength: input.maxLength ?? null,
      onError: input.onError,
      split,
      model: input.model ? resolve(input.model) : null,
    }
    const record = store.db.transaction(() => {
      const inserted = store.datasets.insert({
        id,
        name: input.name ?? basename(path),
        path,
        fileType: report.source.fileType,
        encoding: report.source.encoding,
        format: report.format,
        contentHash: report.source.contentHash,
        sizeBytes: report.source.sizeBytes,
        mtimeMs: report.source.mtimeMs,
        mapping: report.mapping,
        options,
        report: storedReport(report, problemsFile.count > 0 ? problemsFile.path : null),
        numExamples: report.counts.examples,
        validationDatasetId,
      })
      if (report.cache && bundle) {
        store.datasets.putCache({
          key: report.cache.key,
          datasetId: id,
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
      return inserted
    })()
    return detail(record)
  }

  function detail(record: ImportedDatasetRecord): DatasetDetail {
    return {
      ...summaryOf(record),
      encoding: record.encoding,
      contentHash: record.contentHash,
      mapping: record.mapping,
      options: record.options,
      report: record.report as DatasetDetail['report'],
      validationDatasetId: record.validationDatasetId,
      caches: store.datasets.listCaches(record.id).map((cache) => ({
        key: cache.key,
        tokenizerHash: cache.tokenizerHash,
        templateName: cache.templateName,
        maxLength: cache.maxLength,
        trainOnPrompt: cache.trainOnPrompt,
        path: cache.path,
        numExamples: cache.numExamples,
        numTokens: cache.numTokens,
        createdAt: cache.createdAt,
      })),
    }
  }

  function summaryOf(record: ImportedDatasetRecord): DatasetSummary {
    return summary(record, record.validationDatasetId ? store.datasets.get(record.validationDatasetId) : undefined)
  }

  function mustGet(id: string): ImportedDatasetRecord {
    const record = store.datasets.get(id)
    if (!record) throw new ApiCallError('not_found', `There is no dataset ${id}; \`mixture-studio datasets list\` shows the imported ones`)
    return record
  }

  return {
    async datasetsImport(input: ImportInput): Promise<CallOutput<'datasetsImport'>> {
      try {
        const { validation } = input
        let validationDatasetId: string | null = null
        let split: SplitSpec = { kind: 'none' }
        if (validation.kind === 'file') {
          const validationDetail = await importOne({ ...input, path: validation.path, name: undefined }, { kind: 'none' }, null)
          validationDatasetId = validationDetail.id
          split = { kind: 'file', datasetId: validationDatasetId }
        } else if (validation.kind !== 'none') {
          split = validation
        }
        return await importOne(input, split, validationDatasetId)
      } catch (error) {
        throw asDatasetApiError(error)
      }
    },
    async datasetsList(): Promise<CallOutput<'datasetsList'>> {
      return store.datasets.list().map(summaryOf)
    },
    async datasetsShow({ id }: CallParsedInput<'datasetsShow'>): Promise<CallOutput<'datasetsShow'>> {
      return detail(mustGet(id))
    },
    async datasetsPreview(input: CallParsedInput<'datasetsPreview'>): Promise<CallOutput<'datasetsPreview'>> {
      const stored = input.datasetId ? mustGet(input.datasetId) : null
      const storedOptions = (stored?.options ?? {}) as { systemPrompt?: string }
      try {
        const modelDir = input.model ?? (stored?.options.model as string | null | undefined) ?? undefined
        const preview = await previewDataset({
          path: stored ? stored.path : resolve(input.path as string),
          fileType: input.fileType ?? (stored?.fileType as never),
          format: input.format ?? (stored?.format as never),
          mapping: input.mapping ?? stored?.mapping,
          systemPrompt: input.systemPrompt ?? storedOptions.systemPrompt,
          template: input.template,
          trainOnPrompt: input.trainOnPrompt,
          tokenizer: modelDir ? loadTokenizerBundle(resolve(modelDir)) : null,
          maxLength: input.maxLength ?? null,
          limit: input.limit,
        })
        return {
          ...preview,
          source: {
            path: preview.source.path,
            fileType: preview.source.fileType,
            encoding: preview.source.encoding,
            sizeBytes: preview.source.sizeBytes,
          },
        }
      } catch (error) {
        throw asDatasetApiError(error)
      }
    },
  }
}

function summary(record: ImportedDatasetRecord, validationFile: ImportedDatasetRecord | undefined): DatasetSummary {
  const counts = (record.report as { counts?: { skipped?: number; train?: number; validation?: number } }).counts
  return {
    id: record.id,
    name: record.name,
    path: record.path,
    fileType: record.fileType,
    format: record.format,
    numExamples: record.numExamples,
    numSkipped: counts?.skipped ?? 0,
    numTrain: counts?.train ?? record.numExamples,
    numValidation: validationFile ? validationFile.numExamples : counts?.validation ?? 0,
    validationDatasetId: record.validationDatasetId,
    sizeBytes: record.sizeBytes,
    createdAt: record.createdAt,
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
