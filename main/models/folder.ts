// Inspects a Hugging Face model folder: what it is, whether we can train it, and where every
// weight the architecture needs lives. Reads config.json, the tokenizer config and safetensors
// headers; never reads tensor data and never opens pickle files.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { ModelSpec } from '../engine/models/spec'
import type { WeightMap } from '../engine/models/weight-map'
import { readModelConfig } from './config'
import { hasSafetensorsWeights, readCheckpoint, summarize, type LocatedTensor } from './checkpoint'
import { ModelFolderError } from './errors'
import { pickleRefusalMessage, pickleWeightFiles } from './pickle'
import { findTokenizerFiles, type TokenizerFiles } from './tokenizer-files'
import { checkWeights, weightMapFor, type StoredTensor } from './weights-map'

export type WeightsDType = 'float32' | 'float16' | 'bfloat16' | 'mixed'

export interface ModelFolderInfo {
  dir: string
  configPath: string
  spec: ModelSpec
  /** The HF class the config names (e.g. "Qwen2ForCausalLM"), else the model_type. */
  architecture: string
  weights: {
    /** The safetensors files, with their sizes on disk. */
    files: { path: string; size: number }[]
    indexPath: string | null
    /** Every tensor in the checkpoint, by name. */
    tensors: ReadonlyMap<string, LocatedTensor>
  }
  /** Roles → checkpoint tensors, every one checked present with the right shape. */
  weightMap: WeightMap
  /** Parameters the model uses (a tied embedding counted once). */
  parameterCount: number
  /** The dtype of the weights the model uses ("mixed" when they differ). */
  dtype: WeightsDType
  /** Bytes of the safetensors files. */
  sizeOnDisk: number
  contextLength: number | null
  vocabSize: number
  tokenizer: TokenizerFiles
  generationConfig: string | null
  /** Things the user may want to know that do not stop us (e.g. pickle files ignored). */
  notes: string[]
}

const ENGINE_DTYPE: Record<string, WeightsDType> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }

export function inspectModelFolder(folder: string): ModelFolderInfo {
  const dir = resolve(folder)
  const fileNames = listFolder(dir)
  const notes: string[] = []

  // Without config.json this is no model folder at all, whatever else it holds: a .bin file in
  // some other folder is no reason to talk of pickled weights and conversions.
  if (!fileNames.includes('config.json')) throw new ModelFolderError(`${dir}: no config.json; a Hugging Face model folder needs one (save the model with save_pretrained)`, dir)

  // Decided from names alone, before any file is opened.
  const pickles = pickleWeightFiles(fileNames)
  if (!hasSafetensorsWeights(fileNames) && pickles.length) {
    throw new ModelFolderError(pickleRefusalMessage(dir, pickles, peekModelType(dir)), join(dir, pickles[0]))
  }
  if (pickles.length) notes.push(`ignoring ${pickles.join(', ')} (pickle format, never opened); the safetensors weights are used`)

  const configPath = join(dir, 'config.json')
  const spec = readModelConfig(configPath)

  const checkpoint = readCheckpoint(dir, fileNames)
  const stored = new Map<string, StoredTensor>()
  for (const [name, { file, entry }] of checkpoint.tensors) stored.set(name, { shape: entry.shape, dtype: entry.dtype, file: file.path })
  const weightMap = weightMapFor(spec, new Set(stored.keys()))
  const problems = checkWeights(weightMap.entries, stored, checkpoint.searched)
  if (problems.length) {
    throw new ModelFolderError(summarize(problems, `the weights do not match ${configPath} (${spec.modelType}); the config and the weights come from different models, or the download is incomplete`), checkpoint.indexPath ?? checkpoint.files[0].path)
  }

  const used = new Map(weightMap.entries.map((e) => [e.hfName, checkpoint.tensors.get(e.hfName)!.entry]))
  const parameterCount = [...used.values()].reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0)
  const dtypes = new Set([...used.values()].map((e) => ENGINE_DTYPE[e.dtype]))
  const tokenizer = findTokenizerFiles(dir, fileNames)
  if (!tokenizer.tokenizerJson) notes.push(`no tokenizer.json: training needs one (save the tokenizer with AutoTokenizer.from_pretrained(...).save_pretrained(...))`)

  return {
    dir,
    configPath,
    spec,
    architecture: architectureName(configPath) ?? spec.modelType,
    weights: { files: checkpoint.files.map((f) => ({ path: f.path, size: f.size })), indexPath: checkpoint.indexPath, tensors: checkpoint.tensors },
    weightMap,
    parameterCount,
    dtype: dtypes.size === 1 ? [...dtypes][0] : 'mixed',
    sizeOnDisk: checkpoint.files.reduce((n, f) => n + f.size, 0),
    contextLength: spec.contextLength,
    vocabSize: spec.vocabSize,
    tokenizer,
    generationConfig: fileNames.includes('generation_config.json') ? join(dir, 'generation_config.json') : null,
    notes,
  }
}

function listFolder(dir: string): string[] {
  let isDir: boolean
  try {
    isDir = statSync(dir).isDirectory()
  } catch (e) {
    throw new ModelFolderError(`${dir}: cannot open the model folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, dir)
  }
  if (!isDir) throw new ModelFolderError(`${dir}: not a folder; choose the folder that holds config.json and the weights`, dir)
  return readdirSync(dir)
}

/** model_type for a tailored message, if config.json says; any problem with it is reported later. */
function peekModelType(dir: string): string | null {
  try {
    const type = (JSON.parse(readFileSync(join(dir, 'config.json'), 'utf-8')) as { model_type?: unknown }).model_type
    return typeof type === 'string' ? type : null
  } catch {
    return null
  }
}

function architectureName(configPath: string): string | null {
  const raw = JSON.parse(readFileSync(configPath, 'utf-8')) as { architectures?: unknown }
  return Array.isArray(raw.architectures) && typeof raw.architectures[0] === 'string' ? raw.architectures[0] : null
}
