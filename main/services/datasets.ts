import { randomUUID } from 'node:crypto'
import { rm, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { hashFile } from '../data'
import { ApiCallError, DatasetPreview, type CallOutput, type CallParsedInput, type DatasetDetail, type DatasetSummary } from '../contract'
import { unwatchedWork } from '../jobs/work-context'
import type { ImportedDatasetRecord, Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'
import { DatasetImportResult, importAndRecord, removeImportLeftovers, type DatasetImportRequest } from './dataset-import-work'
import { previewFile, type DatasetPreviewRequest } from './dataset-preview-work'
import { thisProcess, type WorkPlace } from './work-place'

/**
 * Previews of files up to this size run in main; larger ones in a `dataset-preview` job. A preview
 * reads at most 500 rows, but what it decodes to reach them is bounded only by the file: a Parquet
 * file's whole first row group (a 6 MB file of one group took 1.1 s), or a text file's 500 longest
 * lines. Up to 4 MiB that takes tens of milliseconds, less than starting a process (about a second),
 * and the import wizard previews again on every change of format or mapping.
 */
export const PREVIEW_IN_PROCESS_MAX_BYTES = 4 * 1024 * 1024

/** Where imports keep what they write: tokenized caches and full problem lists. */
export function datasetsDir(dataDir: string): { cacheDir: string; reportsDir: string } {
  return { cacheDir: join(dataDir, 'datasets', 'cache'), reportsDir: join(dataDir, 'datasets', 'reports') }
}

export function createDatasetHandlers(store: Store, dataDir: string, longWork: WorkPlace) {
  const dirs = datasetsDir(dataDir)

  /** The call's input with every path absolute: the work may run in another process. */
  function absolute(input: CallParsedInput<'datasetsImport'>): CallParsedInput<'datasetsImport'> {
    const { validation } = input
    return {
      ...input,
      path: resolveTypedPath(input.path),
      ...(input.model ? { model: resolveTypedPath(input.model) } : {}),
      validation: validation.kind === 'file' ? { kind: 'file', path: resolveTypedPath(validation.path) } : validation,
    }
  }

  function detail(record: ImportedDatasetRecord): DatasetDetail {
    return {
      ...summaryOf(record),
      numRuns: store.datasets.countRuns(record.id),
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
    async datasetsImport(input: CallParsedInput<'datasetsImport'>): Promise<CallOutput<'datasetsImport'>> {
      const request: DatasetImportRequest = {
        dataDir,
        ...dirs,
        input: absolute(input),
        datasetId: randomUUID(),
        validationDatasetId: input.validation.kind === 'file' ? randomUUID() : null,
      }
      try {
        const { datasetId } = await longWork.run(
          { kind: 'dataset-import', request, result: DatasetImportResult, what: 'The import', stopped: 'The import was stopped before it finished; nothing was imported' },
          () => importAndRecord(request, store, unwatchedWork),
        )
        return detail(mustGet(datasetId))
      } catch (error) {
        // Stopped or killed just after it recorded the dataset, the import did finish: say so.
        const recorded = store.datasets.get(request.datasetId)
        if (recorded) return detail(recorded)
        removeImportLeftovers(request, store)
        throw error
      }
    },
    async datasetsList(): Promise<CallOutput<'datasetsList'>> {
      return store.datasets.list().map(summaryOf)
    },
    async datasetsShow({ id }: CallParsedInput<'datasetsShow'>): Promise<CallOutput<'datasetsShow'>> {
      return detail(mustGet(id))
    },
    async datasetsRename({ id, name }: CallParsedInput<'datasetsRename'>): Promise<CallOutput<'datasetsRename'>> {
      mustGet(id)
      store.datasets.rename(id, name)
      return summaryOf(mustGet(id))
    },
    async datasetsDelete({ id }: CallParsedInput<'datasetsDelete'>): Promise<CallOutput<'datasetsDelete'>> {
      const record = mustGet(id)
      const answer = summaryOf(record)
      // A separate validation file was imported with this dataset and is listed under it: it goes too.
      const validation = record.validationDatasetId ? store.datasets.get(record.validationDatasetId) : undefined
      const records = validation ? [record, validation] : [record]
      // Only what the import wrote under the data folder; never the user's own file (record.path).
      const files = records.flatMap((each) => [...store.datasets.listCaches(each.id).map((cache) => cache.path), problemsFileOf(each)])
      for (const each of records) store.datasets.delete(each.id)
      for (const file of files) if (file && isInside(file, dataDir)) await rm(file, { force: true })
      return answer
    },
    async datasetsFindImported({ path }: CallParsedInput<'datasetsFindImported'>): Promise<CallOutput<'datasetsFindImported'>> {
      const file = resolveTypedPath(path)
      const size = await sizeOf(file)
      const all = store.datasets.list()
      // Hashing reads the whole file: only when a dataset of exactly this size could match it.
      const hash = size > 0 && all.some((record) => record.sizeBytes === size) ? await hashFile(file).catch(() => null) : null
      return all
        .map((record) => ({ record, samePath: record.path === file, sameContent: hash !== null && record.contentHash === hash }))
        .filter(({ samePath, sameContent }) => samePath || sameContent)
        .map(({ record, samePath, sameContent }) => ({ id: record.id, name: record.name, createdAt: record.createdAt, samePath, sameContent }))
    },
    async datasetsPreview(input: CallParsedInput<'datasetsPreview'>): Promise<CallOutput<'datasetsPreview'>> {
      const stored = input.datasetId ? mustGet(input.datasetId) : null
      const storedOptions = (stored?.options ?? {}) as { systemPrompt?: string; model?: string | null }
      const modelDir = input.model ?? storedOptions.model ?? null
      const request: DatasetPreviewRequest = {
        path: stored ? stored.path : resolveTypedPath(input.path as string),
        fileType: input.fileType ?? (stored?.fileType as DatasetPreviewRequest['fileType']),
        format: input.format ?? (stored?.format as DatasetPreviewRequest['format']),
        mapping: input.mapping ?? stored?.mapping,
        systemPrompt: input.systemPrompt ?? storedOptions.systemPrompt,
        model: modelDir ? resolveTypedPath(modelDir) : null,
        template: input.template,
        trainOnPrompt: input.trainOnPrompt,
        maxLength: input.maxLength ?? null,
        limit: input.limit,
      }
      const place = (await sizeOf(request.path)) > PREVIEW_IN_PROCESS_MAX_BYTES ? longWork : thisProcess
      return place.run(
        { kind: 'dataset-preview', request, result: DatasetPreview, what: 'The preview', stopped: 'The preview was stopped before it finished' },
        () => previewFile(request, unwatchedWork),
      )
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

function problemsFileOf(record: ImportedDatasetRecord): string | null {
  const file = (record.report as { problemsFile?: unknown }).problemsFile
  return typeof file === 'string' ? file : null
}

/** A stored path is removed only when it lies in the data folder (a damaged catalog cannot aim it elsewhere). */
function isInside(file: string, dir: string): boolean {
  const within = relative(resolve(dir), resolve(file))
  return within !== '' && !within.startsWith('..') && !isAbsolute(within)
}

/** The file's size, or 0 when it cannot be read (the preview then says why, quickly). */
async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}
