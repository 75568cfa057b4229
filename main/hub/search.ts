// Searching the Hub for models we can train, and a model's page before its download. Through
// @huggingface/hub's listModels / modelInfo / listFiles: the Hub reports each model's config
// (model_type, architectures), safetensors metadata (parameters by dtype) and tags (license); we
// keep the architectures we train and say what a download would fetch.
import { listFiles, listModels, modelInfo } from '@huggingface/hub'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SUPPORTED_MODEL_TYPES, trainableSibling, type ModelType } from '../engine/models/spec'
import { CURATED_MODELS } from './curated-models'
import { selectModelFiles } from './file-selection'
import { hubCall, type HubConnection } from './hub-api'
import { cachedSnapshot } from './hub-cache'
import { isHubError } from './hub-error'

/** A model on the Hub, as search results and the curated list show it (the contract's HubModelSummary). */
export interface HubModelSummary {
  /** ORG/NAME */
  repo: string
  /** The HF class (config.architectures[0]), else the model_type. */
  architecture: string | null
  modelType: ModelType | null
  /** Parameters of every dtype, from the Hub's safetensors metadata; null when it has none. */
  parameterCount: number | null
  /**
   * Bytes of the safetensors weights: in a listing, the tensors' bytes by dtype (the files add only
   * their small JSON headers); in a model's detail, the files' exact sizes. null when unknown.
   */
  sizeBytes: number | null
  license: string | null
  downloads: number
  likes: number
  /** The Hub asks the user to accept conditions first ('auto': granted at once, 'manual': reviewed). */
  gated: boolean
  gatedMode: false | 'auto' | 'manual'
  /** Where a gated model's conditions are accepted: its page on the endpoint; null when not gated. */
  acceptUrl: string | null
  hasSafetensors: boolean
  /** ISO time of the repo's last commit. */
  lastModified: string
}

export interface HubCuratedModel extends HubModelSummary {
  why: string
}

export interface HubModelFile {
  path: string
  size: number
}

/** A model's page before its download (the contract's HubModelDetail). */
export interface HubModelDetail extends HubModelSummary {
  /** The commit the files were listed at. */
  revision: string
  /** What a download fetches: config, generation config, tokenizer files, safetensors weights. */
  files: HubModelFile[]
  totalBytes: number
  /** The repo's other files, not fetched (pickled .bin, ONNX, GGUF, subfolders...). */
  skipped: string[]
  /** Why it cannot be downloaded (an architecture we do not train, no safetensors); null when it can. */
  problem: string | null
  /** This commit's snapshot folder when every file to fetch is in the HF cache already. */
  cachedPath: string | null
}

export interface SearchOptions {
  /** Words of the repo's name (ORG/NAME); empty lists the most downloaded. */
  query: string
  /** How many models to return (default 30). */
  limit?: number
  /** Only this architecture (asked of the Hub as a tag filter, so the results are all of it). */
  modelType?: ModelType
}

/**
 * How many of the Hub's matches are read to find `limit` of ours: the Hub filters by one tag at a
 * time, not by "any of our six", so the rest are dropped here. Most downloaded first, so what is
 * kept is what most people use.
 */
const SCAN_LIMIT = 300

/** The fields a search asks the Hub to add to each model. */
const SUMMARY_FIELDS = ['config', 'safetensors', 'tags'] as const

/** HF classes of the architectures we train, for a config that names no model_type. */
const ARCHITECTURE_CLASSES: Record<string, ModelType> = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
  Qwen3ForCausalLM: 'qwen3',
  SmolLM3ForCausalLM: 'smollm3',
  Gemma3ForCausalLM: 'gemma3_text',
  GPT2LMHeadModel: 'gpt2',
  T5ForConditionalGeneration: 't5',
}

/** Bytes of one value of each safetensors dtype. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, I64: 8, U64: 8,
  F32: 4, I32: 4, U32: 4,
  F16: 2, BF16: 2, I16: 2, U16: 2,
  I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1, F8_E4M3FN: 1, F8_E8M0: 1,
}

/** Hub models matching a query, of the architectures we train only, most downloaded first. */
export async function searchHubModels(connection: HubConnection, options: SearchOptions): Promise<HubModelSummary[]> {
  const limit = options.limit ?? 30
  return hubCall(connection, `search the Hub for "${options.query}"`, async (client) => {
    const found: HubModelSummary[] = []
    const listing = listModels({
      ...client,
      search: { query: options.query.trim() || undefined, tags: options.modelType ? [options.modelType] : undefined },
      additionalFields: [...SUMMARY_FIELDS],
      sort: 'downloads',
      limit: SCAN_LIMIT,
    })
    for await (const entry of listing) {
      const summary = summaryOf(entry, connection.endpoint)
      if (summary.modelType === null) continue
      found.push(summary)
      if (found.length >= limit) break
    }
    return found
  })
}

/** The curated first-run list with the Hub's own figures (size, license, downloads); a repo the Hub no longer has is left out. */
export async function curatedHubModels(connection: HubConnection): Promise<HubCuratedModel[]> {
  const answers = await Promise.all(
    CURATED_MODELS.map(async (curated) => {
      try {
        const entry = await hubCall(connection, `read ${curated.repo} from the Hub`, (client) => modelInfo({ ...client, name: curated.repo, additionalFields: [...SUMMARY_FIELDS] }), { kind: 'model', repo: curated.repo })
        return { ...summaryOf(entry, connection.endpoint), why: curated.why }
      } catch (error) {
        if (isHubError(error, 'not-found')) return null
        throw error
      }
    }),
  )
  return answers.filter((answer) => answer !== null)
}

/** One model's facts and the files its download would fetch, at `revision` (default main); cachedPath when connection.cacheDir has them all. */
export async function hubModelDetail(connection: HubConnection, repo: string, options: { revision?: string } = {}): Promise<HubModelDetail> {
  return hubCall(connection, `read ${repo} from the Hub`, async (client) => {
    const entry = await modelInfo({ ...client, name: repo, revision: options.revision, additionalFields: [...SUMMARY_FIELDS, 'sha'] })
    const commit = entry.sha
    const tree: HubModelFile[] = []
    for await (const file of listFiles({ ...client, repo: { type: 'model', name: repo }, revision: commit, recursive: true })) {
      if (file.type === 'file') tree.push({ path: file.path, size: file.lfs?.size ?? file.size })
    }
    const summary = summaryOf(entry, connection.endpoint)
    const selection = selectModelFiles(repo, tree)
    const weights = selection.files.filter((f) => f.path.endsWith('.safetensors'))
    const problem = summary.modelType === null ? notOurArchitecture(repo, entry.config) : selection.problem
    return {
      ...summary,
      sizeBytes: weights.length > 0 ? sum(weights.map((f) => f.size)) : summary.sizeBytes,
      hasSafetensors: summary.hasSafetensors || weights.length > 0,
      revision: commit,
      files: selection.files,
      totalBytes: sum(selection.files.map((f) => f.size)),
      skipped: selection.skipped,
      problem,
      cachedPath: connection.cacheDir ? completeSnapshot(connection.cacheDir, repo, commit, selection.files) : null,
    }
  }, { kind: 'model', repo })
}

interface HubModelEntry {
  name: string
  gated: false | 'auto' | 'manual'
  downloads: number
  likes: number
  updatedAt: Date
  config?: unknown
  safetensors?: { parameters: Record<string, number>; total: number }
  tags?: string[]
}

/** A Hub listing entry as we show it. */
export function summaryOf(entry: HubModelEntry, endpoint: string): HubModelSummary {
  const config = isObject(entry.config) ? entry.config : {}
  const classes = Array.isArray(config.architectures) ? config.architectures.filter((c): c is string => typeof c === 'string') : []
  const declaredType = typeof config.model_type === 'string' ? config.model_type : null
  const safetensors = entry.safetensors && entry.safetensors.total > 0 ? entry.safetensors : null
  const gated = entry.gated === 'auto' || entry.gated === 'manual' ? entry.gated : false
  return {
    repo: entry.name,
    architecture: classes[0] ?? declaredType,
    modelType: trainableModelType(entry.config),
    parameterCount: safetensors?.total ?? null,
    sizeBytes: safetensors ? tensorBytes(safetensors.parameters) : null,
    license: licenseOf(entry.tags ?? []),
    downloads: entry.downloads ?? 0,
    likes: entry.likes ?? 0,
    gated: gated !== false,
    gatedMode: gated,
    acceptUrl: gated ? `${endpoint}/${entry.name}` : null,
    hasSafetensors: safetensors !== null || (entry.tags ?? []).includes('safetensors'),
    lastModified: validDate(entry.updatedAt)?.toISOString() ?? '',
  }
}

/**
 * The architecture we would train this config as, or null: by model_type as the Hub reports it,
 * else (a config without one) by its HF class. A model_type of another family (qwen2_vl, bert)
 * is not ours, whatever class it names.
 */
export function trainableModelType(config: unknown): ModelType | null {
  if (!isObject(config)) return null
  if (typeof config.model_type === 'string') {
    return (SUPPORTED_MODEL_TYPES as readonly string[]).includes(config.model_type) ? (config.model_type as ModelType) : null
  }
  const classes = Array.isArray(config.architectures) ? config.architectures : []
  for (const name of classes) if (typeof name === 'string' && name in ARCHITECTURE_CLASSES) return ARCHITECTURE_CLASSES[name]
  return null
}

/** The weights' bytes from parameters counted by dtype; null when a dtype's width is unknown. */
export function tensorBytes(parametersByDtype: Record<string, number>): number | null {
  let bytes = 0
  for (const [dtype, count] of Object.entries(parametersByDtype)) {
    const width = DTYPE_BYTES[dtype.toUpperCase()]
    if (width === undefined) return null
    bytes += count * width
  }
  return bytes
}

/** The Hub tags a model with its card's license as "license:apache-2.0". */
function licenseOf(tags: readonly string[]): string | null {
  const tag = tags.find((t) => t.startsWith('license:'))
  return tag ? tag.slice('license:'.length) : null
}

function notOurArchitecture(repo: string, config: unknown): string {
  const fields = isObject(config) ? config : {}
  const named = typeof fields.model_type === 'string' ? `model_type "${fields.model_type}"` : Array.isArray(fields.architectures) ? `class ${fields.architectures.join(', ')}` : 'no model_type in its config'
  const sibling = typeof fields.model_type === 'string' ? trainableSibling(fields.model_type) : null
  return `${repo} is a ${named} model; we train ${SUPPORTED_MODEL_TYPES.join(', ')}.${sibling ? ` ${sibling}` : ''} Pick a model of one of those architectures.`
}

/** The snapshot folder of `commit` when every file a download fetches is there already. */
function completeSnapshot(cacheDir: string, repo: string, commit: string, files: readonly HubModelFile[]): string | null {
  const dir = cachedSnapshot(cacheDir, 'model', repo, commit)
  if (!dir || files.length === 0) return null
  return files.every((f) => existsSync(join(dir, f.path))) ? dir : null
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0)
}

function validDate(date: Date | undefined): Date | null {
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date : null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
