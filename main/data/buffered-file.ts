import { open, type FileHandle } from 'node:fs/promises'
import { writeAll } from '../runtime/file-writes'

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
      await writeAll(this.handle, bytes)
    } else {
      this.buffer.set(bytes, this.used)
      this.used += bytes.length
    }
    this.bytesWritten += bytes.length
  }

  async flush(): Promise<void> {
    // writeAll: a disk filling up stores part of a write; the rest must follow, or fail with ENOSPC.
    if (this.used > 0) await writeAll(this.handle, this.buffer.subarray(0, this.used))
    this.used = 0
  }

  /** Flushes, syncs to disk and closes. */
  async close(sync = true): Promise<void> {
    await this.flush()
    if (sync) await this.handle.sync()
    await this.handle.close()
  }
}
