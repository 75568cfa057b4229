// Locates a folder's safetensors weights: one model.safetensors, or shards listed by
// model.safetensors.index.json. Reads headers only (via main/runtime), never tensor bytes.
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { readSafetensorsHeader, SafetensorsError, type SafetensorsEntry, type SafetensorsFile } from '../runtime/safetensors'
import { ModelFolderError } from './errors'

export const SINGLE_FILE = 'model.safetensors'
export const INDEX_FILE = 'model.safetensors.index.json'

/** One tensor of the checkpoint and the file it lives in. */
export interface LocatedTensor {
  file: SafetensorsFile
  entry: SafetensorsEntry
}

export interface Checkpoint {
  /** The safetensors files (one, or the shards in index order). */
  files: SafetensorsFile[]
  indexPath: string | null
  tensors: ReadonlyMap<string, LocatedTensor>
  /** For messages: where a missing tensor was looked for. */
  searched: string
}

const indexSchema = z.object({
  metadata: z.record(z.string(), z.unknown()).nullish(),
  weight_map: z.record(z.string(), z.string()),
})

/** Whether the folder (given its entry names) has safetensors weights in HF layout. */
export function hasSafetensorsWeights(fileNames: readonly string[]): boolean {
  return fileNames.includes(SINGLE_FILE) || fileNames.includes(INDEX_FILE)
}

export function readCheckpoint(dir: string, fileNames: readonly string[]): Checkpoint {
  // Like transformers: a single file wins over an index.
  if (fileNames.includes(SINGLE_FILE)) {
    const file = readHeader(join(dir, SINGLE_FILE))
    const tensors = new Map<string, LocatedTensor>()
    for (const entry of file.tensors.values()) tensors.set(entry.name, { file, entry })
    return { files: [file], indexPath: null, tensors, searched: file.path }
  }
  if (fileNames.includes(INDEX_FILE)) return readShardedCheckpoint(dir, join(dir, INDEX_FILE))
  const others = fileNames.filter((n) => n.endsWith('.safetensors'))
  const hint = others.length ? ` It has ${others.join(', ')}, but not under the names transformers saves.` : ''
  throw new ModelFolderError(`${dir}: no ${SINGLE_FILE} and no ${INDEX_FILE}.${hint} Save the model with transformers' save_pretrained(..., safe_serialization=True).`, dir)
}

function readShardedCheckpoint(dir: string, indexPath: string): Checkpoint {
  const index = readIndex(indexPath)
  const shardNames = [...new Set(Object.values(index.weight_map))]
  const files = new Map<string, SafetensorsFile>()
  for (const shard of shardNames) {
    if (shard !== basename(shard) || shard === '..' || shard === '.') {
      throw new ModelFolderError(`${indexPath}: shard "${shard}" is not a plain file name in the model folder`, indexPath)
    }
    const path = join(dir, shard)
    if (!existsSync(path)) {
      const count = Object.values(index.weight_map).filter((s) => s === shard).length
      throw new ModelFolderError(`${indexPath} lists shard "${shard}" (${count} tensors), but ${path} does not exist; the download is incomplete: fetch that file again`, indexPath)
    }
    files.set(shard, readHeader(path))
  }
  const tensors = new Map<string, LocatedTensor>()
  const problems: string[] = []
  for (const [name, shard] of Object.entries(index.weight_map)) {
    const file = files.get(shard)!
    const entry = file.tensors.get(name)
    if (!entry) problems.push(`${indexPath} lists tensor "${name}" in ${shard}, but ${file.path} has no tensor of that name`)
    else tensors.set(name, { file, entry })
  }
  if (problems.length) throw new ModelFolderError(summarize(problems, 'the index and its shards disagree; the index or a shard is from another download'), indexPath)
  return { files: [...files.values()], indexPath, tensors, searched: `${indexPath} and its ${files.size} shards` }
}

function readIndex(indexPath: string): z.output<typeof indexSchema> {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(indexPath, 'utf-8'))
  } catch (e) {
    throw new ModelFolderError(`${indexPath}: cannot read it as JSON (${(e as Error).message})`, indexPath)
  }
  const parsed = indexSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ModelFolderError(`${indexPath}: field "${issue.path.join('.') || '(root)'}": ${issue.message} (expected { "weight_map": { tensor name: shard file } })`, indexPath)
  }
  return parsed.data
}

function readHeader(path: string): SafetensorsFile {
  try {
    return readSafetensorsHeader(path)
  } catch (e) {
    if (e instanceof SafetensorsError) throw new ModelFolderError(e.message, path)
    throw e
  }
}

/** Several problems as one message: a headline, then at most 10 lines. */
export function summarize(problems: readonly string[], headline: string): string {
  const shown = problems.slice(0, 10).map((p) => `  - ${p}`)
  if (problems.length > 10) shown.push(`  - … and ${problems.length - 10} more`)
  return `${problems.length} problem${problems.length === 1 ? '' : 's'}: ${headline}\n${shown.join('\n')}`
}
