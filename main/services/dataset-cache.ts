import { existsSync, mkdirSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  chooseTemplate,
  DatasetFileError,
  hashFile,
  importDataset,
  loadTokenizerBundle,
  tokenCacheKey,
  type DatasetSpec,
  type TemplateChoice,
} from '../data'
import type { Store, TokenCacheRecord } from '../store'
import { datasetsDir } from './datasets'

export interface TokenCacheRequest {
  datasetId: string
  /** The model folder whose tokenizer (and chat template) is used. */
  modelDir: string
  template: TemplateChoice
  maxLength: number | null
  trainOnPrompt: boolean
}

/**
 * The tokenized cache a run trains from: reused when one exists for exactly this dataset
 * content, mapping, tokenizer, template, max_length and masking (the key covers them all),
 * built otherwise. A dataset file changed since its import is refused: its row counts and
 * problems in the catalog would no longer be true, so it must be imported again.
 */
export async function ensureTokenizedCache(
  store: Store,
  dataDir: string,
  request: TokenCacheRequest,
): Promise<{ cache: TokenCacheRecord; reused: boolean }> {
  const dataset = store.datasets.get(request.datasetId)
  if (!dataset) throw new Error(`There is no dataset ${request.datasetId}`)
  await checkUnchanged(store, dataset.id, dataset.path, dataset.contentHash, dataset.sizeBytes, dataset.mtimeMs)

  const bundle = loadTokenizerBundle(request.modelDir)
  const template = chooseTemplate(request.template, bundle)
  const options = dataset.options as { systemPrompt?: string }
  const spec: DatasetSpec = {
    fileType: dataset.fileType as DatasetSpec['fileType'],
    format: dataset.format as DatasetSpec['format'],
    mapping: dataset.mapping,
    systemPrompt: options.systemPrompt,
  }
  const key = tokenCacheKey({
    contentHash: dataset.contentHash,
    spec,
    tokenizerHash: bundle.hash,
    templateHash: template.hash,
    maxLength: request.maxLength,
    trainOnPrompt: request.trainOnPrompt,
  })
  const existing = store.datasets.getCache(key)
  if (existing && existsSync(existing.path)) return { cache: existing, reused: true }
  // A row whose file is gone (deleted by hand) is rebuilt, not trusted.
  if (existing) store.datasets.deleteCache(key)

  const { cacheDir } = datasetsDir(dataDir)
  mkdirSync(cacheDir, { recursive: true })
  const report = await importDataset({
    path: dataset.path,
    ...spec,
    onError: 'skip',
    template: request.template,
    trainOnPrompt: request.trainOnPrompt,
    tokenization: { bundle, maxLength: request.maxLength, cacheDir },
    split: { kind: 'none' },
  })
  const meta = report.cache
  if (!meta || meta.key !== key) throw new Error(`internal: the tokenized cache was written under key ${meta?.key}, expected ${key}`)
  const cache = store.datasets.putCache({
    key,
    datasetId: dataset.id,
    contentHash: meta.contentHash,
    tokenizerHash: meta.tokenizerHash,
    templateName: meta.templateName,
    templateHash: meta.templateHash,
    maxLength: meta.maxLength,
    trainOnPrompt: meta.trainOnPrompt,
    path: join(cacheDir, `${key}.tokens`),
    numExamples: meta.numExamples,
    numTokens: meta.numTokens,
  })
  return { cache, reused: false }
}

/** Size and mtime first (cheap); only when they moved is the file hashed again. */
async function checkUnchanged(store: Store, id: string, path: string, contentHash: string, sizeBytes: number, mtimeMs: number): Promise<void> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw new DatasetFileError(path, 'the dataset file is gone since it was imported; put it back or import it again from its new place')
  }
  if (info.size === sizeBytes && info.mtimeMs === mtimeMs) return
  if (info.size === sizeBytes && (await hashFile(path)) === contentHash) {
    store.datasets.touch(id, info.mtimeMs)
    return
  }
  throw new DatasetFileError(path, 'the dataset file has changed since it was imported; import it again so its rows are checked and counted anew')
}
