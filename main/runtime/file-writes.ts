// Writing every byte, and knowing a full disk when one answers. write(2) may store only part of
// what it was given (a disk filling up stores what fits and says how much); taken as complete,
// that silently cuts the end off a file. Every writer of large files (the tokenized cache, the
// safetensors writer, the ONNX data file, the merged export) goes through here, so a full disk
// ends as ENOSPC on the next write instead of a short file that passes for a whole one.
import { chmodSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'

/** Writes all of `bytes`, at `position` (each later write where the last ended) or, when null, at the file's current position. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number | null = null): Promise<void> {
  for (let done = 0; done < bytes.byteLength; ) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done, position === null ? null : position + done)
    done += progress(bytesWritten, bytes.byteLength - done)
  }
}

/** writeAll for a file descriptor, synchronously. */
export function writeAllSync(fd: number, bytes: Uint8Array, position: number | null = null): void {
  for (let done = 0; done < bytes.byteLength; ) {
    const bytesWritten = writeSync(fd, bytes, done, bytes.byteLength - done, position === null ? null : position + done)
    done += progress(bytesWritten, bytes.byteLength - done)
  }
}

/** A write that stores nothing and reports no error would loop forever: stop instead. */
function progress(bytesWritten: number, wanted: number): number {
  if (bytesWritten === 0) throw new Error(`a write stored none of its ${wanted} bytes`)
  return bytesWritten
}

/**
 * Why a write found no room, from its error's code, or null when it failed for another reason:
 * the disk is full (ENOSPC), the user's quota is used up (EDQUOT), or the file grew past what the
 * file system takes (EFBIG: FAT32 holds at most 4 GiB a file) or the process may write (ulimit -f).
 */
export function noRoomCode(error: unknown): 'ENOSPC' | 'EDQUOT' | 'EFBIG' | null {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? code : null
}

/**
 * Replaces `file` with `content` through a temporary file renamed over it, so a process killed
 * mid-write leaves the previous file or the new one, never half of one (a run's config.json, the
 * settings, the Hub token). `mode` (e.g. 0o600) is set on the temporary file before it holds the
 * content's place, so the file is never readable by others, even for a moment.
 */
export function writeFileAtomicSync(file: string, content: string | Uint8Array, options: { mode?: number } = {}): void {
  const temporary = `${file}.${process.pid}.tmp`
  try {
    writeFileSync(temporary, content, options.mode === undefined ? {} : { mode: options.mode })
    // writeFileSync's mode applies only to a file it creates; a leftover temporary keeps its own.
    if (options.mode !== undefined) chmodSync(temporary, options.mode)
    renameSync(temporary, file)
  } catch (error) {
    rmSync(temporary, { force: true })
    throw error
  }
}
