import { z } from 'zod'
import { ModelSummary } from './models'

/** A Hub repository id, ORG/NAME (or a bare NAME, as older repos are): what the Hub's URLs take. */
export const HubRepoId = z
  .string()
  .trim()
  .regex(/^(?:[\w.-]+\/)?[\w.-]+$/, 'a Hub repository is ORG/NAME, e.g. HuggingFaceTB/SmolLM2-135M-Instruct')
  .refine((repo) => !repo.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-')), 'a Hub repository is ORG/NAME, e.g. HuggingFaceTB/SmolLM2-135M-Instruct')

/** A branch, tag or commit; `main` when left out, as the Hub's own default. */
const Revision = z.string().trim().min(1).regex(/^[\w./-]+$/, 'a revision is a branch, tag or commit id').optional()

/** A model on the Hub, as the search results and the curated list show it. */
export const HubModelSummary = z.object({
  repo: z.string(),
  /** The HF class (config.architectures[0]), else the model_type; null when the Hub does not say. */
  architecture: z.string().nullable(),
  modelType: z.string().nullable(),
  /** From the safetensors metadata (total of every dtype); null when the Hub has none. */
  parameterCount: z.number().int().nullable(),
  /** The safetensors files' total size; null when the Hub did not list them. */
  sizeBytes: z.number().int().nullable(),
  license: z.string().nullable(),
  downloads: z.number().int(),
  gated: z.boolean(),
  /** Where the user accepts a gated model's conditions (the model's page on the endpoint); null when not gated. */
  acceptUrl: z.string().nullable(),
  hasSafetensors: z.boolean(),
})
export type HubModelSummary = z.infer<typeof HubModelSummary>

export const HubSearchModelsInput = z
  .object({
    query: z.string().trim().max(200),
    limit: z.number().int().positive().max(100).default(30),
  })
  .strict()

/** A model the first-run list recommends, with why. */
export const HubCuratedModel = HubModelSummary.extend({ why: z.string() })
export type HubCuratedModel = z.infer<typeof HubCuratedModel>

export const HubRepoInput = z.object({ repo: HubRepoId, revision: Revision }).strict()

/** One file a download fetches, and its size on the Hub. */
export const HubFile = z.object({ path: z.string(), size: z.number().int() })
export type HubFile = z.infer<typeof HubFile>

/** A model's page before its download: what would be fetched, and whether it can be. */
export const HubModelDetail = HubModelSummary.extend({
  /** The commit the files were listed at. */
  revision: z.string(),
  /** Only what a model needs: config, generation config, tokenizer files, safetensors. */
  files: z.array(HubFile),
  totalBytes: z.number().int(),
  /** Files of the repo left out (pickled .bin, ONNX, GGUF, ...), for the user to see why they are not fetched. */
  skipped: z.array(z.string()),
  /** Why it cannot be downloaded (no safetensors weights, an architecture we do not train); null when it can. */
  problem: z.string().nullable(),
  /** The snapshot folder when this revision is already complete in the HF cache. */
  cachedPath: z.string().nullable(),
})
export type HubModelDetail = z.infer<typeof HubModelDetail>

/** A model another tool (or an earlier download) left in the HF cache, found without a request. */
export const HubCachedModel = z.object({
  repo: z.string(),
  revision: z.string(),
  /** The snapshot folder: what modelsImport registers. */
  path: z.string(),
  sizeBytes: z.number().int(),
  /** The catalog's model for this folder, when it is registered already. */
  registeredModelId: z.string().nullable(),
})
export type HubCachedModel = z.infer<typeof HubCachedModel>

/** A dataset repo's data file (parquet, JSONL, JSON, CSV, TSV) and the split its repo names. */
export const HubDatasetFile = z.object({
  path: z.string(),
  size: z.number().int(),
  /** train, validation, test... as the repo's layout or card names it; null when it names none. */
  split: z.string().nullable(),
})
export type HubDatasetFile = z.infer<typeof HubDatasetFile>

export const HubDatasetFiles = z.object({
  repo: z.string(),
  revision: z.string(),
  files: z.array(HubDatasetFile),
  gated: z.boolean(),
  acceptUrl: z.string().nullable(),
})
export type HubDatasetFiles = z.infer<typeof HubDatasetFiles>

/** Where the Hub is and where its files go (from HF_ENDPOINT, HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME). */
export const HubTokenStatus = z.object({
  /** A token is in effect (stored here, or HF_TOKEN). The token itself is never sent to the renderer. */
  set: z.boolean(),
  source: z.enum(['stored', 'env']).nullable(),
  /** How a stored token is kept: a 0600 file (web mode, CLI) or encrypted by the OS (the desktop app). */
  storage: z.enum(['file', 'encrypted']),
  /** The file it is kept in. */
  file: z.string(),
  endpoint: z.string(),
  cacheDir: z.string(),
  offline: z.boolean(),
})
export type HubTokenStatus = z.infer<typeof HubTokenStatus>

export const HubSetTokenInput = z
  .object({
    /** The token (hf_...), or null to forget the stored one. */
    token: z.string().trim().min(1, 'paste the token, or clear it').regex(/^\S+$/, 'a token has no spaces').max(500).nullable(),
  })
  .strict()

export const HubDownloadInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('model'), repo: HubRepoId, revision: Revision, name: z.string().trim().min(1).optional() }).strict(),
  z.object({ kind: z.literal('dataset'), repo: HubRepoId, revision: Revision, files: z.array(z.string().min(1)).min(1) }).strict(),
])
export type HubDownloadInput = z.infer<typeof HubDownloadInput>

/** What a finished download gives: the registered model, or the data files' local paths for the import wizard. */
export const HubDownloadResult = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('model'), repo: z.string(), revision: z.string(), folder: z.string(), model: ModelSummary }),
  z.object({
    kind: z.literal('dataset'), repo: z.string(), revision: z.string(),
    files: z.array(z.object({ path: z.string(), localPath: z.string(), split: z.string().nullable() })),
  }),
])
export type HubDownloadResult = z.infer<typeof HubDownloadResult>

/** A download's progress, carried by the `hub-download` job's progress events. */
export const TransferProgress = z.object({
  /** The file being fetched now (its path in the repo). */
  file: z.string(),
  /** Bytes of the whole download so far (a resumed part counts from where it was). */
  bytes: z.number(),
  totalBytes: z.number(),
  bytesPerSecond: z.number(),
  /** null until a rate is known. */
  etaSeconds: z.number().nullable(),
})
export type TransferProgress = z.infer<typeof TransferProgress>
