import { open, type FileHandle } from 'node:fs/promises'

/** Appends to a file through a fixed buffer: few system calls, constant memory. */
export class BufferedFile {
  private readonly buffer: Buffer
  private used = 0
  bytesWritten = 0

  private constructor(
    private readonly handle: FileHandle,
    size: number,
  ) {
    this.buffer = Buffer.allocUnsafe(size)
  }

  static async create(path: string, size = 4 << 20): Promise<BufferedFile> {
    return new BufferedFile(await open(path, 'wx'), size)
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.used + bytes.length > this.buffer.length) await this.flush()
    if (bytes.length > this.buffer.length) {
      await this.writeAll(bytes, bytes.length)
    } else {
      this.buffer.set(bytes, this.used)
      this.used += bytes.length
    }
    this.bytesWritten += bytes.length
  }

  async flush(): Promise<void> {
    if (this.used > 0) await this.writeAll(this.buffer, this.used)
    this.used = 0
  }

  /**
   * A write may store only part of its bytes (a disk filling up stores what fits and says how
   * much): write the rest until done, so the last write fails with ENOSPC instead of the file
   * silently missing its end.
   */
  private async writeAll(bytes: Uint8Array, length: number): Promise<void> {
    for (let done = 0; done < length; ) {
      const { bytesWritten } = await this.handle.write(bytes, done, length - done)
      if (bytesWritten === 0) throw new Error(`a write stored none of its ${length - done} bytes`)
      done += bytesWritten
    }
  }

  /** Flushes, syncs to disk and closes. */
  async close(sync = true): Promise<void> {
    await this.flush()
    if (sync) await this.handle.sync()
    await this.handle.close()
  }
}
