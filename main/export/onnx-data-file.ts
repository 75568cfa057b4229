// Every initializer of the emitted models moved into ONE external-data file beside them, so the
// model folder stands alone. The engine emits frozen weights as external data pointing into the
// base model's safetensors files (absolute path, offset, length) and small tensors inline; here each
// weight's byte range is streamed into the data file (a fixed buffer, never a whole tensor set in
// memory: models are GBs), inline tensors above a small threshold are appended too, and each
// initializer is rewritten to { location: <data file>, offset, length }.
// Several models (the forward graph and the KV-cache step graph) share the file: a tensor is stored
// once per content (the same range of the same weight file, or the same inline bytes) and every
// initializer holding it points at that one copy. Content, not name, is the key: the emitter names
// its own constants after node ids, so one name may mean different values in two graphs.
import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import { isAbsolute } from 'node:path'
import type { ModelProtoObject, TensorProtoObject } from '../engine/onnx'
import { writeAll } from '../runtime/file-writes'
import { ExportError } from './types'

/** Inline tensors smaller than this stay in model.onnx (onnx's own `size_threshold` default). */
export const INLINE_LIMIT_BYTES = 1024
/** Every tensor starts on a 64-byte boundary (SIMD loads of memory-mapped weights) ... */
const ALIGNMENT = 64
/**
 * ... and tensors of 1 MiB or more on a 64 KiB one: ORT's own saver (ModelSavingOptions
 * align_threshold / allocation_granularity) does the same, so those can be memory-mapped on
 * every OS (Windows maps at 64 KiB granularity). It costs under 64 KiB per large tensor.
 */
const LARGE_TENSOR_BYTES = 1 << 20
const LARGE_ALIGNMENT = 1 << 16
/** Bytes copied per read: bounds memory whatever the size of a weight. */
const COPY_CHUNK_BYTES = 16 << 20

/** Where one tensor's bytes come from. */
export type TensorBytes = { kind: 'file'; path: string; offset: number; length: number } | { kind: 'inline'; data: Uint8Array }

export interface PlacedTensor {
  /** Every initializer holding these bytes (of one model or several); the first names it in errors. */
  initializers: TensorProtoObject[]
  bytes: TensorBytes
  /** Offset in the data file. */
  offset: number
  length: number
}

export interface DataFilePlan {
  placed: PlacedTensor[]
  /** Size of the data file. */
  size: number
}

/**
 * Which initializers go to the data file, and where (pure: reads no file). Initializers holding
 * the same bytes share one placement, in the order their content first appears.
 */
export function planDataFile(initializers: readonly TensorProtoObject[]): DataFilePlan {
  const placed: PlacedTensor[] = []
  const byContent = new Map<string, PlacedTensor>()
  let end = 0
  for (const initializer of initializers) {
    const bytes = tensorBytes(initializer)
    if (!bytes) continue
    const key = contentKey(bytes)
    const same = byContent.get(key)
    if (same) {
      same.initializers.push(initializer)
      continue
    }
    const length = bytes.kind === 'file' ? bytes.length : bytes.data.byteLength
    const offset = alignUp(end, length >= LARGE_TENSOR_BYTES ? LARGE_ALIGNMENT : ALIGNMENT)
    const tensor = { initializers: [initializer], bytes, offset, length }
    placed.push(tensor)
    byContent.set(key, tensor)
    end = offset + length
  }
  return { placed, size: end }
}

/**
 * Writes the data file at `path` from `plan`, then points each placed initializer at it under
 * `location` (relative to the model file, as ORT requires). Returns the file's size.
 */
export async function writeDataFile(path: string, location: string, plan: DataFilePlan, chunkBytes = COPY_CHUNK_BYTES): Promise<number> {
  const out = await open(path, 'wx')
  const sources = new Map<string, FileHandle>()
  const buffer = Buffer.alloc(Math.min(chunkBytes, Math.max(plan.size, 1)))
  let written = 0
  try {
    for (const tensor of plan.placed) {
      if (tensor.offset > written) {
        await writeAll(out, Buffer.alloc(tensor.offset - written))
        written = tensor.offset
      }
      if (tensor.bytes.kind === 'inline') {
        await writeAll(out, tensor.bytes.data)
      } else {
        const source = sources.get(tensor.bytes.path) ?? (await openSource(tensor.bytes.path, tensor.initializers[0].name))
        sources.set(tensor.bytes.path, source)
        await copyRange(source, out, buffer, tensor)
      }
      written += tensor.length
    }
  } finally {
    for (const handle of sources.values()) await handle.close()
    await out.close()
  }
  for (const { initializers, offset, length } of plan.placed) {
    for (const initializer of initializers) {
      delete initializer.rawData
      initializer.dataLocation = 1
      initializer.externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ]
    }
  }
  return written
}

/**
 * Moves every initializer of `models` above the inline limit into the one data file at `path`
 * (the models lie beside it), each distinct tensor written once. Returns the file's size.
 */
export async function externalizeInitializers(models: readonly ModelProtoObject[], path: string, location: string): Promise<number> {
  return writeDataFile(path, location, planDataFile(models.flatMap((m) => m.graph.initializer ?? [])))
}

/**
 * Throws when a tensor named in `names` differs between the models that hold it (dims, dtype or
 * bytes): the graphs are meant to compute with the same weights and adapter tensors. A name absent
 * from a model is not compared.
 */
export function checkSameTensors(models: readonly { file: string; model: ModelProtoObject }[], names: Iterable<string>): void {
  const wanted = new Set(names)
  const seen = new Map<string, { file: string; summary: string }>()
  for (const { file, model } of models) {
    for (const initializer of model.graph.initializer ?? []) {
      const name = initializer.name ?? ''
      if (!wanted.has(name)) continue
      const summary = describeTensor(initializer)
      const first = seen.get(name)
      if (!first) seen.set(name, { file, summary })
      else if (first.summary !== summary) {
        throw new Error(`internal: tensor "${name}" is ${first.summary} in ${first.file} but ${summary} in ${file}; the graphs must share their weights`)
      }
    }
  }
}

/** dtype, dims and where the bytes are: equal summaries mean equal tensors. */
function describeTensor(initializer: TensorProtoObject): string {
  const bytes = tensorBytes(initializer) ?? { kind: 'inline' as const, data: initializer.rawData ?? new Uint8Array(0) }
  const where = bytes.kind === 'file' ? `bytes ${bytes.offset}+${bytes.length} of ${bytes.path}` : `inline bytes, sha256 ${digest(bytes.data).slice(0, 16)}`
  return `dtype ${initializer.dataType} [${(initializer.dims ?? []).join(', ')}] (${where})`
}

/** Equal keys, equal bytes: a file range by its place, inline bytes by their digest. */
function contentKey(bytes: TensorBytes): string {
  if (bytes.kind === 'file') return `file\0${bytes.path}\0${bytes.offset}\0${bytes.length}`
  return `inline\0${digest(bytes.data)}\0${bytes.data.byteLength}`
}

function digest(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

function tensorBytes(initializer: TensorProtoObject): TensorBytes | null {
  if (initializer.dataLocation === 1) {
    const entry = (key: string) => initializer.externalData?.find((e) => e.key === key)?.value
    const path = entry('location')
    const offset = Number(entry('offset') ?? 0)
    const length = Number(entry('length'))
    if (!path || !isAbsolute(path) || !Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
      throw new Error(`internal: initializer ${initializer.name} has external data without an absolute location, offset and length`)
    }
    return { kind: 'file', path, offset, length }
  }
  if (initializer.rawData && initializer.rawData.byteLength >= INLINE_LIMIT_BYTES) return { kind: 'inline', data: initializer.rawData }
  return null
}

async function openSource(path: string, tensor: string | undefined): Promise<FileHandle> {
  try {
    return await open(path, 'r')
  } catch (error) {
    throw new ExportError(`${path} (tensor "${tensor}") cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the base model folder`)
  }
}

async function copyRange(source: FileHandle, out: FileHandle, buffer: Buffer, tensor: PlacedTensor): Promise<void> {
  if (tensor.bytes.kind !== 'file') return
  const { path, offset } = tensor.bytes
  let done = 0
  while (done < tensor.length) {
    const want = Math.min(buffer.length, tensor.length - done)
    const { bytesRead } = await source.read(buffer, 0, want, offset + done)
    if (bytesRead === 0) {
      throw new ExportError(`${path}: tensor "${tensor.initializers[0].name}" ends at byte ${offset + tensor.length}, but the file ends at ${offset + done}; the file is truncated or changed while exporting`)
    }
    await writeAll(out, buffer.subarray(0, bytesRead))
    done += bytesRead
  }
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment
}
