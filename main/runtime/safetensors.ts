// safetensors files: an 8-byte little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {...} }, then the bytes.
// The reader validates the header completely before anything points into the file, because
// the ONNX model will address the bytes by offset (external data) without looking again.
import { closeSync, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs'
import type { DType } from '../engine/ir'
import type { WeightSource } from '../engine/ir'
import { bfloat16BitsToFloat, halfBitsToFloat } from '../engine/onnx/tensor-data'
import { writeAllSync } from './file-writes'

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL' | 'F8_E4M3' | 'F8_E5M2' | 'U16' | 'U32' | 'U64'

const DTYPE_BYTES: Record<SafetensorsDType, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1, U16: 2, U32: 4, U64: 8,
}
/** Engine dtypes for the safetensors dtypes the engine can use directly (others need a conversion step). */
const ENGINE_DTYPE: Partial<Record<SafetensorsDType, DType>> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', I64: 'int64', I32: 'int32', BOOL: 'bool',
}
const SAFETENSORS_DTYPE: Partial<Record<DType, SafetensorsDType>> = Object.fromEntries(
  Object.entries(ENGINE_DTYPE).map(([k, v]) => [v, k]),
) as Partial<Record<DType, SafetensorsDType>>

/** The largest JSON header we accept (the reference implementation caps it at 100 MB). */
const MAX_HEADER_BYTES = 100_000_000

export interface SafetensorsEntry {
  name: string
  dtype: SafetensorsDType
  /** The engine dtype, or null when the engine cannot use this dtype as is (I8, F8 ...). */
  engineDType: DType | null
  shape: number[]
  /** Absolute byte offset of the tensor in the file. */
  offset: number
  length: number
}

export interface SafetensorsFile {
  path: string
  size: number
  /** Where the byte buffer starts (8 + header length). */
  dataStart: number
  metadata: Record<string, string>
  tensors: Map<string, SafetensorsEntry>
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError'
}

/** Reads and validates the header of a safetensors file (the tensor bytes are not read). */
export function readSafetensorsHeader(path: string): SafetensorsFile {
  const fd = openFile(path)
  try {
    const size = fstatSync(fd).size
    if (size < 8) throw new SafetensorsError(`${path}: file is ${size} bytes, too short for a safetensors header (truncated download?)`)
    const lengthBytes = Buffer.alloc(8)
    readSync(fd, lengthBytes, 0, 8, 0)
    const headerLength = lengthBytes.readBigUInt64LE(0)
    if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
      throw new SafetensorsError(`${path}: header claims ${headerLength} bytes but the file has ${size - 8} after the length field (truncated, e.g. an interrupted copy or download, or not a safetensors file)`)
    }
    const header = Buffer.alloc(Number(headerLength))
    readSync(fd, header, 0, header.length, 8)
    return parseSafetensorsHeader(path, header, size)
  } finally {
    closeSync(fd)
  }
}

/** Validates a header against the file size; every error names the file and, where one is at fault, the tensor. */
export function parseSafetensorsHeader(path: string, header: Uint8Array, fileSize: number): SafetensorsFile {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(header))
  } catch (e) {
    throw new SafetensorsError(`${path}: header is not valid UTF-8 JSON (${(e as Error).message}); the file is damaged or not safetensors`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SafetensorsError(`${path}: header must be a JSON object`)
  const dataStart = 8 + header.length
  const dataSize = fileSize - dataStart
  const tensors = new Map<string, SafetensorsEntry>()
  let metadata: Record<string, string> = {}
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(path, raw)
      continue
    }
    tensors.set(name, parseEntry(path, name, raw, dataStart, dataSize))
  }
  checkNoOverlap(path, [...tensors.values()])
  return { path, size: fileSize, dataStart, metadata, tensors }
}

function parseMetadata(path: string, raw: unknown): Record<string, string> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SafetensorsError(`${path}: "__metadata__" must be an object of strings`)
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError(`${path}: "__metadata__.${k}" must be a string`)
  }
  return raw as Record<string, string>
}

function parseEntry(path: string, name: string, raw: unknown, dataStart: number, dataSize: number): SafetensorsEntry {
  const where = `${path}: tensor "${name}"`
  if (typeof raw !== 'object' || raw === null) throw new SafetensorsError(`${where}: entry must be an object with dtype, shape and data_offsets`)
  const { dtype, shape, data_offsets: offsets } = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown }
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
    throw new SafetensorsError(`${where}: unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`)
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${where}: shape ${JSON.stringify(shape)} must be a list of non-negative integers`)
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[1] < offsets[0]) {
    throw new SafetensorsError(`${where}: data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`)
  }
  const st = dtype as SafetensorsDType
  const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[st]
  const [begin, end] = offsets as number[]
  if (end - begin !== expected) {
    throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes but ${st}[${shape.join(', ')}] needs ${expected}`)
  }
  if (end > dataSize) {
    throw new SafetensorsError(`${where}: data_offsets end ${end} lies past the end of the data (${dataSize} bytes: ${end - dataSize} missing); the file is truncated (an interrupted copy or download?) or its header is wrong`)
  }
  return { name, dtype: st, engineDType: ENGINE_DTYPE[st] ?? null, shape: shape as number[], offset: dataStart + begin, length: end - begin }
}

function checkNoOverlap(path: string, entries: SafetensorsEntry[]): void {
  const sorted = entries.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]
    if (sorted[i].offset < prev.offset + prev.length) {
      throw new SafetensorsError(`${path}: tensors "${prev.name}" and "${sorted[i].name}" overlap in the file; the header is corrupt`)
    }
  }
}

/** Bytes per value of a float dtype (F32, F16, BF16); null for any other. */
export function floatDTypeBytes(dtype: string): 4 | 2 | null {
  return dtype === 'F32' ? 4 : dtype === 'F16' || dtype === 'BF16' ? 2 : null
}

/** Little-endian F32, F16 or BF16 bytes as float32 values (a copy); null for any other dtype. */
export function floatValues(dtype: string, bytes: Uint8Array): Float32Array | null {
  switch (dtype) {
    case 'F32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4).slice()
    case 'F16':
      return Float32Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), halfBitsToFloat)
    case 'BF16':
      return Float32Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2), bfloat16BitsToFloat)
    default:
      return null
  }
}

/** A frozen weight that points into the file (for Graph.weight). */
export function weightSourceOf(file: SafetensorsFile, name: string): WeightSource {
  const e = entryOf(file, name)
  return { kind: 'file', path: file.path, offset: e.offset, length: e.length }
}

export function entryOf(file: SafetensorsFile, name: string): SafetensorsEntry {
  const e = file.tensors.get(name)
  if (!e) throw new SafetensorsError(`${file.path}: no tensor named "${name}" (it has ${file.tensors.size}: ${[...file.tensors.keys()].slice(0, 5).join(', ')}${file.tensors.size > 5 ? ', …' : ''})`)
  return e
}

/** Reads one tensor's raw little-endian bytes. */
export function readTensorBytes(file: SafetensorsFile, name: string): Uint8Array {
  const e = entryOf(file, name)
  const fd = openFile(file.path)
  try {
    const out = Buffer.alloc(e.length)
    const n = readSync(fd, out, 0, e.length, e.offset)
    if (n !== e.length) throw new SafetensorsError(`${file.path}: tensor "${name}": read ${n} of ${e.length} bytes; the file changed or is truncated`)
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
  } finally {
    closeSync(fd)
  }
}

export interface TensorToWrite {
  name: string
  dtype: DType
  shape: readonly number[]
  /** Raw little-endian element bytes (a typed array of the dtype's storage type). */
  data: ArrayBufferView
}

/** Writes a safetensors file (to a temporary name, then renamed). Header padded to 8 bytes like the reference writer. */
export function writeSafetensors(path: string, tensors: readonly TensorToWrite[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length) header.__metadata__ = metadata
  let offset = 0
  for (const t of tensors) {
    const dtype = SAFETENSORS_DTYPE[t.dtype]
    if (!dtype) throw new SafetensorsError(`${path}: tensor "${t.name}": dtype ${t.dtype} has no safetensors equivalent`)
    const expected = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype]
    if (t.data.byteLength !== expected) throw new SafetensorsError(`${path}: tensor "${t.name}": ${t.data.byteLength} bytes given, ${t.dtype}[${t.shape.join(', ')}] needs ${expected}`)
    header[t.name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + expected] }
    offset += expected
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8)
  const headerBytes = Buffer.from(json, 'utf-8')
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(headerBytes.length))
  const tmp = `${path}.tmp-${process.pid}`
  const fd = openSync(tmp, 'w')
  try {
    // Tensor by tensor, so writing a large file never holds a second copy of the weights.
    writeAllSync(fd, length)
    writeAllSync(fd, headerBytes)
    for (const t of tensors) writeAllSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
  } catch (error) {
    // A full disk fails the write: the partial file would only take room, and is never renamed into place.
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw error
  }
  closeSync(fd)
  renameSync(tmp, path)
}

function openFile(path: string): number {
  try {
    return openSync(path, 'r')
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
}
