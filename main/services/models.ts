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

/** The record's own fields and stored facts: what the summary and the detail share. */
function recordFields(record: ModelRecord): StoredModelFacts & Pick<ModelDetail, 'id' | 'name' | 'path' | 'architecture' | 'createdAt'> {
  return { id: record.id, name: record.name, path: record.path, architecture: record.architecture ?? '', createdAt: record.createdAt, ...(record.config as StoredModelFacts) }
}

function detailOf(record: ModelRecord, dataDir: string): ModelDetail {
  const fields = recordFields(record)
  const copies = copiesOfModel(listQuantizedCopies(dataDir), record.path).filter((c) => c.state === 'ready' || c.state === 'outdated')
  const describe = copyDescriber(fields.files)
  return { ...fields, quantizedCopies: copies.map(describe) }
}

/**
 * Tells copies of a model with these weight files as the contract does: current when made by this
 * version from the files as they are now. Each scheme's key (a stat of every weight file) is read once.
 */
function copyDescriber(files: { path: string }[]): (entry: QuantizedCopyEntry) => QuantizedCopyInfo {
  const keys = new Map<string, string | null>()
  const keyNow = (scheme: string) => {
    if (!keys.has(scheme)) {
      try {
        keys.set(scheme, copyKeyOf(files.map((f) => f.path), scheme))
      } catch {
        keys.set(scheme, null) // a weight file is gone: no run can use a copy until the folder is whole again
      }
    }
    return keys.get(scheme)
  }
  return (entry) => ({
    // Copies of a model always have a manifest, and so a scheme.
    scheme: entry.scheme!,
    dir: entry.dir,
    bytes: entry.bytes,
    modifiedAt: entry.modifiedAt,
    current: entry.state === 'ready' && entry.key !== null && keyNow(entry.scheme!) === entry.key,
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
  /** Per scheme, a run starting or training on `folder` quantized to it (the first found). */
  const activeRunsOn = (folder: string) => {
    const runs = new Map<string, { id: string; name: string }>()
    for (const run of store.runs.listActive()) {
      const model = ModelConfig.safeParse((run.config as { model?: unknown } | null)?.model).data
      if (model && model.quantize !== 'none' && !runs.has(model.quantize) && sameFolder(model.path, folder)) runs.set(model.quantize, run)
    }
    return runs
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
      const runs = activeRunsOn(record.path)
      const runOf = (c: QuantizedCopyEntry) => (c.scheme ? runs.get(c.scheme) : undefined)
      const { removed, kept } = removeQuantizedCopies(copies.filter((c) => !runOf(c)))
      const keptForRuns = copies.flatMap((c) => {
        const run = runOf(c)
        return run ? [{ entry: c, why: `run "${run.name}" (${run.id}) is training on it` }] : []
      })
      const describe = copyDescriber(recordFields(record).files)
      return {
        ...summaryOf(record),
        quantizedCopiesDeleted: removed.map(describe),
        quantizedCopiesKept: [...keptForRuns, ...kept].map(({ entry, why }) => ({ ...describe(entry), why })),
      }
    },
  }
}
