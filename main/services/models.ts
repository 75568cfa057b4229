// Models page and `mixture-studio models`: a folder is inspected (config, safetensors headers,
// tokenizer files; no tensor bytes, never a pickle) and registered only when it is usable. Its
// quantized copies (model.quantize) are the app's, made under the data folder: a model's detail
// lists them, and removing the model deletes them (its own folder is never touched).
import { basename } from 'node:path'
import { ApiCallError, ModelConfig, type CallOutput, type CallParsedInput, type ModelDetail, type ModelSummary, type QuantizedCopyInfo } from '../contract'
import { inspectModelFolder, ModelFolderError, type ModelFolderInfo } from '../models'
import { copiesOfModel, listQuantizedCopies, removeQuantizedCopies, sameFolder, type QuantizedCopyEntry } from '../models/quantized/copies'
import { copyKeyOf } from '../models/quantized/quantize-folder'
import type { ModelRecord, Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'

/** What the models table keeps in its `config` column: the inspection's figures, so listing needs no disk access. */
type StoredModelFacts = Omit<ModelDetail, 'id' | 'name' | 'path' | 'architecture' | 'createdAt' | 'quantizedCopies'>

export function modelFacts(info: ModelFolderInfo): StoredModelFacts {
  const spec = info.spec
  return {
    modelType: spec.modelType,
    parameterCount: info.parameterCount,
    dtype: info.dtype,
    sizeBytes: info.sizeOnDisk,
    contextLength: info.contextLength,
    vocabSize: info.vocabSize,
    hasChatTemplate: info.tokenizer.hasChatTemplate,
    family: spec.family,
    layers: spec.numLayers,
    decoderLayers: spec.family === 't5' ? spec.numDecoderLayers : null,
    hiddenSize: spec.hiddenSize,
    heads: spec.numHeads,
    kvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    ffnSize: spec.intermediateSize,
    tiedEmbeddings: spec.tieWordEmbeddings,
    files: info.weights.files,
    hasTokenizer: info.tokenizer.tokenizerJson !== null,
    notes: info.notes,
  }
}

function detailOf(record: ModelRecord, dataDir: string): ModelDetail {
  const facts = record.config as StoredModelFacts
  const copies = copiesOfModel(listQuantizedCopies(dataDir), record.path).filter((c) => c.state === 'ready' || c.state === 'outdated')
  return { id: record.id, name: record.name, path: record.path, architecture: record.architecture ?? '', createdAt: record.createdAt, ...facts, quantizedCopies: copies.map((c) => copyInfo(c, facts.files)) }
}

/** A copy as the contract tells it; current when it is this version's and its key is that of the weight files as they are now. */
function copyInfo(entry: QuantizedCopyEntry, files: { path: string }[]): QuantizedCopyInfo {
  let current = false
  if (entry.state === 'ready' && entry.scheme && entry.key) {
    try {
      current = copyKeyOf(files.map((f) => f.path), entry.scheme) === entry.key
    } catch {
      current = false // a weight file is gone: no run can use the copy until the folder is whole again
    }
  }
  return { scheme: entry.scheme ?? 'int4', dir: entry.dir, bytes: entry.bytes, modifiedAt: entry.modifiedAt, current }
}

function summaryOf(record: ModelRecord): ModelSummary {
  const d = { ...(record.config as StoredModelFacts), id: record.id, name: record.name, path: record.path, architecture: record.architecture ?? '', createdAt: record.createdAt }
  return {
    id: d.id, name: d.name, path: d.path, architecture: d.architecture, modelType: d.modelType, parameterCount: d.parameterCount, dtype: d.dtype,
    sizeBytes: d.sizeBytes, contextLength: d.contextLength, vocabSize: d.vocabSize, hasChatTemplate: d.hasChatTemplate, createdAt: d.createdAt,
  }
}

export function createModelHandlers(store: Store, dataDir: string) {
  const find = (id: string): ModelRecord => {
    const record = store.catalog.getModel(id)
    if (!record) throw new ApiCallError('not_found', `no model with id ${id} (see mixture-studio models list)`)
    return record
  }
  /** A run starting or training on `folder` quantized to `scheme`, if any. */
  const activeRunOn = (folder: string, scheme: string) =>
    store.runs.listActive().find((run) => {
      const model = ModelConfig.safeParse((run.config as { model?: unknown } | null)?.model).data
      return model !== undefined && model.quantize === scheme && sameFolder(model.path, folder)
    })
  return {
    async modelsImport(input: CallParsedInput<'modelsImport'>): Promise<CallOutput<'modelsImport'>> {
      const path = resolveTypedPath(input.path)
      let info: ModelFolderInfo
      try {
        info = inspectModelFolder(path)
      } catch (error) {
        if (error instanceof ModelFolderError) throw new ApiCallError('invalid_input', error.message)
        throw error
      }
      const existing = store.catalog.findModelByPath(info.dir)
      if (existing) throw new ApiCallError('conflict', `${info.dir} is already registered as model ${existing.id} ("${existing.name}")`)
      const record = store.catalog.addModel({ name: input.name ?? basename(info.dir), path: info.dir, architecture: info.architecture, config: modelFacts(info) })
      return detailOf(record, dataDir)
    },
    async modelsList(): Promise<CallOutput<'modelsList'>> {
      return store.catalog.listModels().map(summaryOf)
    },
    async modelsShow({ id }: CallParsedInput<'modelsShow'>): Promise<CallOutput<'modelsShow'>> {
      return detailOf(find(id), dataDir)
    },
    async modelsRemove({ id }: CallParsedInput<'modelsRemove'>): Promise<CallOutput<'modelsRemove'>> {
      const record = find(id)
      store.catalog.removeModel(id)
      // Every copy of the folder, whatever made it (a run, `eval`, an export): with the model gone
      // from the list nothing would show them, and a run that still names the folder remakes its
      // copy. Not one a run is training on now: it may open the copy again (an eval, the export).
      const copies = copiesOfModel(listQuantizedCopies(dataDir), record.path)
      const inUse = new Map(copies.map((c) => [c, c.scheme ? activeRunOn(record.path, c.scheme) : undefined]))
      const { removed, kept } = removeQuantizedCopies(copies.filter((c) => !inUse.get(c)))
      const files = (record.config as StoredModelFacts).files
      const keptForRuns = copies.flatMap((c) => {
        const run = inUse.get(c)
        return run ? [{ entry: c, why: `run "${run.name}" (${run.id}) is training on it` }] : []
      })
      return {
        ...summaryOf(record),
        quantizedCopiesDeleted: removed.map((c) => copyInfo(c, files)),
        quantizedCopiesKept: [...keptForRuns, ...kept].map(({ entry, why }) => ({ ...copyInfo(entry, files), why })),
      }
    },
  }
}
