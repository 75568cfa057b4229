// Models page and `mixture-studio models`: a folder is inspected (config, safetensors headers,
// tokenizer files; no tensor bytes, never a pickle) and registered only when it is usable.
import { basename } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type ModelDetail, type ModelSummary } from '../contract'
import { inspectModelFolder, ModelFolderError, type ModelFolderInfo } from '../models'
import type { ModelRecord, Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'

/** What the models table keeps in its `config` column: the inspection's figures, so listing needs no disk access. */
type StoredModelFacts = Omit<ModelDetail, 'id' | 'name' | 'path' | 'architecture' | 'createdAt'>

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

function detailOf(record: ModelRecord): ModelDetail {
  return { id: record.id, name: record.name, path: record.path, architecture: record.architecture ?? '', createdAt: record.createdAt, ...(record.config as StoredModelFacts) }
}

function summaryOf(record: ModelRecord): ModelSummary {
  const d = detailOf(record)
  return {
    id: d.id, name: d.name, path: d.path, architecture: d.architecture, modelType: d.modelType, parameterCount: d.parameterCount, dtype: d.dtype,
    sizeBytes: d.sizeBytes, contextLength: d.contextLength, vocabSize: d.vocabSize, hasChatTemplate: d.hasChatTemplate, createdAt: d.createdAt,
  }
}

export function createModelHandlers(store: Store) {
  const find = (id: string): ModelRecord => {
    const record = store.catalog.getModel(id)
    if (!record) throw new ApiCallError('not_found', `no model with id ${id} (see mixture-studio models list)`)
    return record
  }
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
      return detailOf(record)
    },
    async modelsList(): Promise<CallOutput<'modelsList'>> {
      return store.catalog.listModels().map(summaryOf)
    },
    async modelsShow({ id }: CallParsedInput<'modelsShow'>): Promise<CallOutput<'modelsShow'>> {
      return detailOf(find(id))
    },
    async modelsRemove({ id }: CallParsedInput<'modelsRemove'>): Promise<CallOutput<'modelsRemove'>> {
      const record = find(id)
      store.catalog.removeModel(id)
      return summaryOf(record)
    },
  }
}
