// Models page and `mixture-studio models`: a folder is inspected (config, safetensors headers,
// tokenizer files; no tensor bytes, never a pickle) and registered only when it is usable. Its
// quantized copies (model.quantize) are the app's, made under the data folder: a model's detail
// lists them, and removing the model deletes them (its own folder is never touched).
import { basename } from 'node:path'
import { ApiCallError, type CallOutput, type CallParsedInput, type ModelDetail, type ModelSummary, type QuantizedCopyInfo } from '../contract'
import { inspectModelFolder, ModelFolderError, type ModelFolderInfo } from '../models'
import { copiesOfModel, listQuantizedCopies, removeQuantizedCopies, type QuantizedCopyEntry } from '../models/quantized/copies'
import { copyStandingJudge } from '../models/quantized/standing'
import { copyUsers, whyKeptFor } from './quantized-copy-users'
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

/** The record's own fields and stored facts: what the summary and the detail share. */
function recordFields(record: ModelRecord): StoredModelFacts & Pick<ModelDetail, 'id' | 'name' | 'path' | 'architecture' | 'createdAt'> {
  return { id: record.id, name: record.name, path: record.path, architecture: record.architecture ?? '', createdAt: record.createdAt, ...(record.config as StoredModelFacts) }
}

function detailOf(record: ModelRecord, dataDir: string): ModelDetail {
  const fields = recordFields(record)
  const copies = copiesOfModel(listQuantizedCopies(dataDir), record.path).filter((c) => c.state === 'ready' || c.state === 'outdated')
  const describe = copyDescriber()
  return { ...fields, quantizedCopies: copies.map(describe) }
}

/** A copy as the contract tells it: current when a run would read it (standing.ts). */
function copyDescriber(): (entry: QuantizedCopyEntry) => QuantizedCopyInfo {
  const standing = copyStandingJudge()
  return (entry) => ({
    // Copies of a model always have a manifest, and so a scheme.
    scheme: entry.scheme!,
    dir: entry.dir,
    bytes: entry.bytes,
    modifiedAt: entry.modifiedAt,
    current: standing(entry) === 'current',
  })
}

function summaryOf(record: ModelRecord): ModelSummary {
  const d = recordFields(record)
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
      const runOf = copyUsers(store)
      const { removed, kept } = removeQuantizedCopies(copies.filter((c) => !runOf(c)))
      const keptForRuns = copies.flatMap((c) => {
        const run = runOf(c)
        return run ? [{ entry: c, why: whyKeptFor(run) }] : []
      })
      const describe = copyDescriber()
      return {
        ...summaryOf(record),
        quantizedCopiesDeleted: removed.map(describe),
        quantizedCopiesKept: [...keptForRuns, ...kept].map(({ entry, why }) => ({ ...describe(entry), why })),
      }
    },
  }
}
