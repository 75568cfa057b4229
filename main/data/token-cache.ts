import { createReadStream, readdirSync, rmSync } from 'node:fs'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { BufferedFile } from './buffered-file'
import { diskFullOr } from './errors'
import type { TokenizedExample } from './tokenize'

/**
 * The tokenized cache of a dataset: one file per (dataset, tokenizer, template, max_length,
 * train_on_prompt). Layout, little-endian:
 *   records   per example: u32 n, i32 input_ids[n], u8 trained[n], zero padding to 4 bytes
 *   index     per example: f64 record offset, u32 source line
 *   meta      JSON (TokenCacheMeta)
 *   trailer   u32 example count, u32 meta bytes, f64 index offset, 8-byte magic
 * Written under a temporary name and renamed into place, so a reader never sees half a file.
 */
const MAGIC = Buffer.from('MSTOKC01')
const TRAILER_BYTES = 4 + 4 + 8 + MAGIC.length
const INDEX_ENTRY_BYTES = 12

export interface TokenCacheMeta {
  key: string
  numExamples: number
  numTokens: number
  numTrainedTokens: number
  maxLength: number | null
  trainOnPrompt: boolean
  tokenizerHash: string
  templateName: string
  templateHash: string
  contentHash: string
}

export interface CachedExample {
  line: number
  inputIds: Int32Array
  trained: Uint8Array
}

/** An unfinished cache's two files: `<cache>.tmp-PID-…` and `<cache>.index-PID-…`, PID its writer's. */
const UNFINISHED_RECORDS = '.tmp-'
const UNFINISHED_INDEX = '.index-'
const UNFINISHED_NAME = /\.(?:tmp|index)-(\d+)-[^/]*$/

/**
 * Removes the unfinished cache files in `cacheDir` whose writer is no longer alive: what an import
 * killed outright (SIGKILL, a crash) leaves, since only a writer that stops on its own removes its
 * files. A live writer's (another import under way) are left. Returns the names removed.
 */
export function removeAbandonedCacheFiles(cacheDir: string, isAlive: (pid: number) => boolean): string[] {
  let names: string[]
  try {
    names = readdirSync(cacheDir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const pid = UNFINISHED_NAME.exec(name)?.[1]
    if (pid === undefined || isAlive(Number(pid))) continue
    rmSync(join(cacheDir, name), { force: true })
    removed.push(name)
  }
  return removed
}

export class TokenCacheWriter {
  private count = 0

  private constructor(
    readonly path: string,
    private readonly tempPath: string,
    private readonly indexPath: string,
    private readonly records: BufferedFile,
    private readonly index: BufferedFile,
  ) {}

  static async create(path: string): Promise<TokenCacheWriter> {
    const suffix = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
    const tempPath = `${path}${UNFINISHED_RECORDS}${suffix}`
    const indexPath = `${path}${UNFINISHED_INDEX}${suffix}`
    const records = await BufferedFile.create(tempPath)
    const index = await BufferedFile.create(indexPath, 1 << 20)
    return new TokenCacheWriter(path, tempPath, indexPath, records, index)
  }

  async add(line: number, example: Pick<TokenizedExample, 'inputIds' | 'trained'>): Promise<void> {
    try {
      await this.write(line, example)
    } catch (error) {
      throw diskFullOr(error, dirname(this.path), 'the tokenized cache')
    }
  }

  private async write(line: number, example: Pick<TokenizedExample, 'inputIds' | 'trained'>): Promise<void> {
    const n = example.inputIds.length
    const entry = Buffer.allocUnsafe(INDEX_ENTRY_BYTES)
    entry.writeDoubleLE(this.records.bytesWritten, 0)
    entry.writeUInt32LE(line, 8)
    await this.index.write(entry)
    const padded = (n + 3) & ~3
    const record = Buffer.alloc(4 + 4 * n + padded)
    record.writeUInt32LE(n, 0)
    const ids = new Int32Array(record.buffer, record.byteOffset + 4, n)
    for (let i = 0; i < n; i++) ids[i] = example.inputIds[i]
    record.set(example.trained, 4 + 4 * n)
    await this.records.write(record)
    this.count++
  }

  /** Appends index and meta, syncs, and renames the file into place. */
  async commit(meta: Omit<TokenCacheMeta, 'numExamples'>): Promise<TokenCacheMeta> {
    try {
      return await this.finish(meta)
    } catch (error) {
      throw diskFullOr(error, dirname(this.path), 'the tokenized cache')
    }
  }

  private async finish(meta: Omit<TokenCacheMeta, 'numExamples'>): Promise<TokenCacheMeta> {
    const full: TokenCacheMeta = { ...meta, numExamples: this.count }
    await this.index.close(false)
    const indexOffset = this.records.bytesWritten
    for await (const chunk of createReadStream(this.indexPath) as AsyncIterable<Buffer>) await this.records.write(chunk)
    const metaBytes = Buffer.from(JSON.stringify(full))
    await this.records.write(metaBytes)
    const trailer = Buffer.alloc(TRAILER_BYTES)
    trailer.writeUInt32LE(this.count, 0)
    trailer.writeUInt32LE(metaBytes.length, 4)
    trailer.writeDoubleLE(indexOffset, 8)
    MAGIC.copy(trailer, 16)
    await this.records.write(trailer)
    await this.records.close()
    await rm(this.indexPath, { force: true })
    await rename(this.tempPath, this.path)
    return full
  }

  async abort(): Promise<void> {
    await this.index.close(false).catch(() => {})
    await this.records.close(false).catch(() => {})
    await rm(this.indexPath, { force: true })
    await rm(this.tempPath, { force: true })
  }
}

/** Random access to a cache file's examples. */
export class TokenCacheReader {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly meta: TokenCacheMeta,
    private readonly indexOffset: number,
  ) {}

  static async open(path: string): Promise<TokenCacheReader> {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      if (size < TRAILER_BYTES) throw new Error(`${path} is not a tokenized cache (too short)`)
      const trailer = Buffer.alloc(TRAILER_BYTES)
      await handle.read(trailer, 0, TRAILER_BYTES, size - TRAILER_BYTES)
      if (!trailer.subarray(16).equals(MAGIC)) throw new Error(`${path} is not a tokenized cache (bad magic)`)
      const count = trailer.readUInt32LE(0)
      const metaLength = trailer.readUInt32LE(4)
      const indexOffset = trailer.readDoubleLE(8)
      const metaBytes = Buffer.alloc(metaLength)
      await handle.read(metaBytes, 0, metaLength, indexOffset + count * INDEX_ENTRY_BYTES)
      const meta = JSON.parse(metaBytes.toString('utf8')) as TokenCacheMeta
      return new TokenCacheReader(path, handle, meta, indexOffset)
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  get count(): number {
    return this.meta.numExamples
  }

  async read(i: number): Promise<CachedExample> {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new RangeError(`example ${i} is outside 0..${this.count - 1}`)
    const entry = Buffer.alloc(INDEX_ENTRY_BYTES)
    await this.handle.read(entry, 0, INDEX_ENTRY_BYTES, this.indexOffset + i * INDEX_ENTRY_BYTES)
    const offset = entry.readDoubleLE(0)
    const line = entry.readUInt32LE(8)
    const head = Buffer.alloc(4)
    await this.handle.read(head, 0, 4, offset)
    const n = head.readUInt32LE(0)
    const body = Buffer.alloc(4 * n + n)
    await this.handle.read(body, 0, body.length, offset + 4)
    const inputIds = new Int32Array(n)
    for (let k = 0; k < n; k++) inputIds[k] = body.readInt32LE(4 * k)
    return { line, inputIds, trained: new Uint8Array(body.subarray(4 * n, 5 * n)) }
  }

  async close(): Promise<void> {
    await this.handle.close()
  }
}

/** Atomically removes a cache file (a missing one is fine). */
export async function removeCacheFile(path: string): Promise<void> {
  await rm(path, { force: true })
}
