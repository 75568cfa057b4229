// The quantized copy of a model's frozen weights (model.quantize: int4 | int8), made once per model
// and scheme and kept beside the run store: <dataDir>/quantized/<model>-<scheme>-<key>/ holds
// weights.bin and manifest.json (manifest.ts). The user's files are only read. The key hashes the
// weight files' real paths, sizes and modification times, so a changed model gets a new copy; the
// new copy deletes what it leaves unreadable (copies.ts). A copy is written into a temporary folder and renamed
// into place: a killed process leaves no half copy under the final name, and two processes
// quantizing the same model at once both end with the one that was renamed first.
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { blockwiseLayout, quantizeRows } from '../../engine/quant/blockwise'
import { noRoomCode, writeAllSync } from '../../runtime/file-writes'
import { floatDTypeBytes, floatValues } from '../../runtime/safetensors'
import type { ModelFolderInfo } from '../folder'
import { ModelFolderError } from '../errors'
import { describeCopies, listQuantizedCopies, removeQuantizedCopies, supersededBy } from './copies'
import { checkCopy, FORMAT_VERSION, MANIFEST, QUANTIZED_WEIGHTS_FILE, quantizedRoot, type QuantizedManifest } from './manifest'
import { planBytes, quantizationPlan, type QuantizedTensorPlan, type QuantizeScheme } from './selection'

/** Rows read, quantized and written at a time: bounds the float32 held while quantizing. */
const SLAB_ELEMENTS = 4 * 1024 * 1024
const ALIGN = 64

export interface QuantizedCopy {
  dir: string
  manifest: QuantizedManifest
  /** True when this call wrote it (the first run with this model and scheme). */
  created: boolean
}

/** Told after each tensor while a copy is being made: for a progress line (the log gets every 16th). */
export type QuantizeProgress = (done: number, total: number) => void

/** Where the copy of `info`'s weight files as they are now, for `scheme`, lives (made or not), and its key. */
function copyLocation(info: ModelFolderInfo, scheme: Exclude<QuantizeScheme, 'none'>, dataDir: string): { dir: string; key: string } {
  const key = copyKey(info, scheme)
  return { key, dir: join(quantizedRoot(dataDir), `${safeName(basename(info.dir))}-${scheme}-${key}`) }
}

/** The whole copy a run would read now, or null when ensureQuantizedCopy would make (or remake) one. */
export function currentCopyDir(info: ModelFolderInfo, scheme: Exclude<QuantizeScheme, 'none'>, dataDir: string): string | null {
  const { dir, key } = copyLocation(info, scheme, dataDir)
  return existsSync(dir) && typeof checkCopy(dir, key) !== 'string' ? dir : null
}

/** The quantized copy of `info`'s weights for `scheme`, made now when there is none (or it is damaged). */
export function ensureQuantizedCopy(info: ModelFolderInfo, scheme: Exclude<QuantizeScheme, 'none'>, dataDir: string, log: (message: string) => void = () => {}, onProgress?: QuantizeProgress): QuantizedCopy {
  const { dir, key } = copyLocation(info, scheme, dataDir)
  if (existsSync(dir)) {
    const problem = checkCopy(dir, key)
    if (typeof problem !== 'string') return { dir, manifest: problem, created: false }
    log(`the ${scheme} copy in ${dir} is damaged (${problem}): making it again`)
    rmSync(dir, { recursive: true, force: true })
  }
  const temporary = `${dir}.${process.pid}.tmp`
  rmSync(temporary, { recursive: true, force: true })
  mkdirSync(temporary, { recursive: true })
  try {
    const manifest = writeCopy(info, scheme, key, temporary, log, onProgress)
    try {
      renameSync(temporary, dir)
    } catch (error) {
      // Another process renamed its copy first: the same bytes, so use that one.
      if (!existsSync(dir)) throw error
      rmSync(temporary, { recursive: true, force: true })
      return { dir, manifest: checkedOrThrow(dir, key), created: false }
    }
    sweepSuperseded(dataDir, { dir, model: info.dir, scheme }, log)
    return { dir, manifest, created: true }
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true })
    const code = noRoomCode(error)
    if (code) {
      const plan = quantizationPlan(info.weightMap.entries, scheme)
      const mb = Math.ceil(planBytes(plan) / 1e6)
      throw new ModelFolderError(`No room for the ${scheme} copy of ${info.dir} in ${quantizedRoot(dataDir)} (${code}): it needs about ${mb} MB. Free some space, or train with model.quantize: none.`, dir)
    }
    throw error
  }
}

/**
 * Deletes what the new copy in `keep.dir` leaves unreadable for good (copies.ts): the same model's
 * copies of earlier weight files or an older app, and temporary folders of killed writers. Never
 * fails the run: what cannot go now is said, and goes at the next sweep.
 */
function sweepSuperseded(dataDir: string, keep: { dir: string; model: string; scheme: 'int4' | 'int8' }, log: (message: string) => void): void {
  try {
    const stale = supersededBy(listQuantizedCopies(dataDir), keep)
    if (stale.length === 0) return
    const { removed, kept } = removeQuantizedCopies(stale)
    if (removed.length) log(`deleted ${describeCopies(removed)} that nothing reads any more (earlier weight files, an older version of the app, or a copy left half-made)`)
    for (const { entry, why } of kept) log(`could not delete ${entry.dir} yet (${why}); it goes at the next new copy`)
  } catch (error) {
    log(`could not look for earlier quantized copies in ${quantizedRoot(dataDir)}: ${(error as Error).message}`)
  }
}

function writeCopy(info: ModelFolderInfo, scheme: Exclude<QuantizeScheme, 'none'>, key: string, dir: string, log: (message: string) => void, onProgress?: QuantizeProgress): QuantizedManifest {
  const plan = quantizationPlan(info.weightMap.entries, scheme)
  const tensors: QuantizedManifest['tensors'] = {}
  let offset = 0
  const place = (length: number) => {
    const at = offset
    offset = Math.ceil((offset + length) / ALIGN) * ALIGN
    return { offset: at, length }
  }
  for (const t of plan.tensors) tensors[t.hfName] = { rows: t.rows, cols: t.cols, bits: t.bits, blockSize: t.blockSize, q: place(t.qBytes), scales: place(t.scaleBytes) }
  const fd = openSync(join(dir, QUANTIZED_WEIGHTS_FILE), 'w')
  try {
    plan.tensors.forEach((t, i) => {
      if (i % 16 === 0) log(`quantizing ${info.dir} to ${scheme}: tensor ${i + 1} of ${plan.tensors.length}`)
      quantizeTensor(info, t, fd, tensors[t.hfName])
      onProgress?.(i + 1, plan.tensors.length)
    })
  } finally {
    closeSync(fd)
  }
  const manifest: QuantizedManifest = { version: FORMAT_VERSION, scheme, model: info.dir, key, bytes: offset, tensors, kept: plan.kept }
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`)
  return manifest
}

/** Reads `t` from the checkpoint in row slabs, quantizes each and writes q and scales at their places. */
function quantizeTensor(info: ModelFolderInfo, t: QuantizedTensorPlan, out: number, at: QuantizedManifest['tensors'][string]): void {
  const located = info.weights.tensors.get(t.hfName)
  if (!located) throw new ModelFolderError(`tensor "${t.hfName}" is not in the checkpoint`, info.dir)
  const { file, entry } = located
  const layout = blockwiseLayout(t.bits, t.blockSize, t.rows, t.cols)
  const slabRows = t.transposed ? t.rows : Math.max(1, Math.floor(SLAB_ELEMENTS / t.cols))
  const fd = openSync(file.path, 'r')
  try {
    for (let first = 0; first < t.rows; first += slabRows) {
      const rows = Math.min(slabRows, t.rows - first)
      // A Conv1D weight is stored [in, out]: read it whole (GPT-2 sizes) and take its columns as rows.
      const w = t.transposed ? transpose(readValues(fd, entry, 0, t.rows * t.cols, file.path, t.hfName), t.cols, t.rows) : readValues(fd, entry, first * t.cols, rows * t.cols, file.path, t.hfName)
      const q = new Uint8Array(rows * layout.rowBytes)
      const scales = new Float32Array(rows * layout.blocks)
      quantizeRows(layout, w, rows, q, scales)
      writeAllSync(out, q, at.q.offset + first * layout.rowBytes)
      writeAllSync(out, new Uint8Array(scales.buffer), at.scales.offset + first * layout.blocks * 4)
    }
  } finally {
    closeSync(fd)
  }
}

/** `count` values from element `first` of a stored float tensor, as float32. */
function readValues(fd: number, entry: { dtype: string; offset: number; length: number }, first: number, count: number, path: string, name: string): Float32Array {
  const size = floatDTypeBytes(entry.dtype)
  if (size === null) throw new ModelFolderError(`${path}: tensor "${name}" is ${entry.dtype}; only F32, F16 and BF16 weights can be quantized`, path)
  const bytes = Buffer.allocUnsafeSlow(count * size)
  const n = readSync(fd, bytes, 0, bytes.length, entry.offset + first * size)
  if (n !== bytes.length) throw new ModelFolderError(`${path}: tensor "${name}": read ${n} of ${bytes.length} bytes; the file changed or is truncated`, path)
  return floatValues(entry.dtype, bytes)!
}

/** [a, b] row-major -> [b, a]. */
function transpose(w: Float32Array, a: number, b: number): Float32Array {
  const out = new Float32Array(w.length)
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out[j * a + i] = w[i * b + j]
  return out
}

function checkedOrThrow(dir: string, key: string): QuantizedManifest {
  const checked = checkCopy(dir, key)
  if (typeof checked === 'string') throw new ModelFolderError(`the quantized copy in ${dir} is damaged (${checked}); delete the folder and try again`, dir)
  return checked
}

function copyKey(info: ModelFolderInfo, scheme: string): string {
  return copyKeyOf(info.weights.files.map((f) => f.path), scheme)
}

/** The key of a copy of these weight files for `scheme`: their real paths, sizes and modification times. Throws when one is missing. */
export function copyKeyOf(weightFiles: string[], scheme: string): string {
  const files = weightFiles.map((path) => {
    const stat = statSync(path)
    return { path: realpathSync(path), size: stat.size, mtimeMs: stat.mtimeMs }
  })
  return createHash('sha256').update(JSON.stringify({ version: FORMAT_VERSION, scheme, files })).digest('hex').slice(0, 16)
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'model'
}
