import { z } from 'zod'

/**
 * What the data folder holds, by part: the run store (studio.db, with its -wal and -shm files and
 * any database `store restore` set aside), its backups, run folders (configurations, checkpoints,
 * adapters), datasets' token caches, quantized copies of models, the CUDA runtime, the demo's
 * model and data, and everything else (settings, timings).
 */
export const StoragePartKind = z.enum(['store', 'backups', 'runs', 'datasets', 'quantized', 'runtimes', 'demo', 'other'])
export type StoragePartKind = z.infer<typeof StoragePartKind>

/** How the CLI and the System page name each part: one wording for both. */
export const STORAGE_PART_LABELS: Record<StoragePartKind, string> = {
  store: 'Run store (studio.db)',
  backups: 'Run store backups',
  runs: 'Runs: checkpoints and adapters',
  datasets: 'Datasets: token caches',
  quantized: 'Quantized copies of models',
  runtimes: 'CUDA runtime',
  demo: 'Demo model and data',
  other: 'Settings and other files',
}

export const StoragePart = z.object({
  kind: StoragePartKind,
  /** Its folder, or for `store` and `other` the data folder. */
  path: z.string(),
  bytes: z.number().int(),
  files: z.number().int(),
  /** Entries that could not be read (no permission): the figure is then a lower bound. */
  unreadable: z.number().int(),
})
export type StoragePart = z.infer<typeof StoragePart>

/**
 * A quantized copy's standing, which decides whether deleting it loses anything:
 * - `current`: made by this version from the model's weight files as they are now; runs use it
 *   (deleting it only costs the time to make it again);
 * - `earlier-files`: made from weight files that have changed since (a new download);
 * - `older-app`: written by another version of the app, which this one never reads;
 * - `model-gone`: its model folder is missing or no longer a model folder this app reads;
 * - `writing`: a job is making it now;
 * - `abandoned`: a half-made copy whose writer was killed.
 * Every standing but `current` and `writing` is unused: no run will read it again.
 */
export const QuantizedCopyStanding = z.enum(['current', 'earlier-files', 'older-app', 'model-gone', 'writing', 'abandoned'])
export type QuantizedCopyStanding = z.infer<typeof QuantizedCopyStanding>

export const StorageCopy = z.object({
  dir: z.string(),
  scheme: z.enum(['int4', 'int8']).nullable(),
  bytes: z.number().int(),
  modifiedAt: z.string(),
  /** The model folder it was made from, when its manifest says. */
  modelPath: z.string().nullable(),
  /** That folder's registered model, when it is one (a CLI run may name an unregistered folder). */
  model: z.object({ id: z.string(), name: z.string() }).nullable(),
  standing: QuantizedCopyStanding,
  /** A starting or running run that trains on it: it is not deleted while that run lasts. */
  usedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
})
export type StorageCopy = z.infer<typeof StorageCopy>

export const StorageRun = z.object({
  /** The run's id (its folder's name). */
  id: z.string(),
  /** Its name, or null for a folder the run store does not know. */
  name: z.string().nullable(),
  status: z.string().nullable(),
  bytes: z.number().int(),
})
export type StorageRun = z.infer<typeof StorageRun>

const Named = z.object({ id: z.string(), name: z.string() })

/** A repo in the Hugging Face cache (models--ORG--NAME or datasets--ORG--NAME) and what uses it here. */
export const StorageHubRepo = z.object({
  kind: z.enum(['model', 'dataset']),
  /** ORG/NAME */
  repo: z.string(),
  folder: z.string(),
  bytes: z.number().int(),
  /** A download wrote to it in the last 10 minutes. */
  downloading: z.boolean(),
  /** Registered models and datasets whose folder or file lies inside it, and starting or running runs that train on it. */
  models: z.array(Named),
  datasets: z.array(Named),
  runs: z.array(Named),
})
export type StorageHubRepo = z.infer<typeof StorageHubRepo>

export const StorageReport = z.object({
  dataDir: z.string(),
  /** The volume the data folder is on, or null when the system does not say. */
  disk: z.object({ freeBytes: z.number(), totalBytes: z.number() }).nullable(),
  totalBytes: z.number().int(),
  /** Every part, largest first (parts with nothing in them included, at 0). */
  parts: z.array(StoragePart),
  /** The largest run folders, largest first (at most 5). */
  largestRuns: z.array(StorageRun),
  runFolders: z.number().int(),
  /** Every folder under quantized/, largest first. */
  quantizedCopies: z.array(StorageCopy),
  /** The copies no run will read again (see QuantizedCopyStanding), which Delete unused removes. */
  unusedCopies: z.object({ count: z.number().int(), bytes: z.number().int() }),
  /**
   * The Hugging Face cache downloads go to (HF_HUB_CACHE): outside the data folder and shared with
   * other Hugging Face tools, so it is shown beside the total, never in it.
   */
  hubCache: z.object({ path: z.string(), exists: z.boolean(), bytes: z.number().int(), repos: z.array(StorageHubRepo) }),
})
export type StorageReport = z.infer<typeof StorageReport>

export const StorageDeleteCopiesInput = z
  .object({
    /** Folders under the data folder's quantized/, as `storageShow` lists them; or every unused one. */
    dirs: z.union([z.array(z.string().min(1)).min(1), z.literal('unused')]),
  })
  .strict()
export type StorageDeleteCopiesInput = z.infer<typeof StorageDeleteCopiesInput>

export const StorageDeleteHubRepoInput = z
  .object({
    /** A repo's folder in the Hugging Face cache, as `storageShow` lists it. */
    folder: z.string().min(1),
  })
  .strict()

export const StorageHubRepoDeleted = z.object({ folder: z.string(), repo: z.string(), bytes: z.number().int() })
export type StorageHubRepoDeleted = z.infer<typeof StorageHubRepoDeleted>

export const StorageCopiesDeleted = z.object({
  deleted: z.array(z.object({ dir: z.string(), bytes: z.number().int() })),
  /** Copies left in place, each with why (a run trains on it, a job is writing it, the system refused). */
  kept: z.array(z.object({ dir: z.string(), bytes: z.number().int(), why: z.string() })),
  freedBytes: z.number().int(),
})
export type StorageCopiesDeleted = z.infer<typeof StorageCopiesDeleted>

/** A copy's standing in words, for the CLI and the System page alike. */
export const COPY_STANDING_WORDS: Record<QuantizedCopyStanding, string> = {
  current: 'used by runs (made again if deleted)',
  'earlier-files': 'unused: made from earlier weight files',
  'older-app': 'unused: written by an older version of the app',
  'model-gone': 'unused: its model folder is gone',
  writing: 'being written by a job now',
  abandoned: 'unused: left half-made by a stopped job',
}
