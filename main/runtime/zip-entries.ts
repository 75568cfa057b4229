// Extracts named entries of a zip file (a NuGet package is one), streamed through node:zlib's
// inflateRaw: the CUDA package is hundreds of megabytes, of which three files are wanted, so
// nothing reads the whole archive into memory (onnxruntime-node's installer uses adm-zip, which does).
// Each entry's size and CRC-32 are checked against the central directory. Zip64 archives (over
// 4 GB, or over 65535 entries) are refused, saying so: a NuGet package of ours is neither.
import { createReadStream, createWriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { crc32, createInflateRaw } from 'node:zlib'

export interface ZipEntry {
  name: string
  method: number
  crc: number
  compressedSize: number
  size: number
  localHeaderOffset: number
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50
const CENTRAL_FILE_HEADER = 0x02014b50
const LOCAL_FILE_HEADER = 0x04034b50
/** The end record is 22 bytes, followed by a comment of at most 65535. */
const MAX_END_SEARCH = 22 + 0xffff

export class ZipError extends Error {
  override name = 'ZipError'
}

/** The archive's entries, from its central directory. */
export async function listZipEntries(path: string): Promise<ZipEntry[]> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const tailLength = Math.min(size, MAX_END_SEARCH)
    const tail = Buffer.alloc(tailLength)
    await file.read(tail, 0, tailLength, size - tailLength)
    let end = -1
    for (let i = tailLength - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
        end = i
        break
      }
    }
    if (end < 0) throw new ZipError(`${path} is not a zip file (no end of central directory): the download is damaged; try again`)
    const count = tail.readUInt16LE(end + 10)
    const directorySize = tail.readUInt32LE(end + 12)
    const directoryOffset = tail.readUInt32LE(end + 16)
    if (count === 0xffff || directoryOffset === 0xffffffff) throw new ZipError(`${path} is a Zip64 archive, which this reader does not handle`)
    const directory = Buffer.alloc(directorySize)
    await file.read(directory, 0, directorySize, directoryOffset)
    const entries: ZipEntry[] = []
    let at = 0
    for (let n = 0; n < count; n++) {
      if (directory.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw new ZipError(`${path}: central directory entry ${n} is damaged; the download is corrupt, try again`)
      const nameLength = directory.readUInt16LE(at + 28)
      const extraLength = directory.readUInt16LE(at + 30)
      const commentLength = directory.readUInt16LE(at + 32)
      const entry: ZipEntry = {
        method: directory.readUInt16LE(at + 10),
        crc: directory.readUInt32LE(at + 16),
        compressedSize: directory.readUInt32LE(at + 20),
        size: directory.readUInt32LE(at + 24),
        localHeaderOffset: directory.readUInt32LE(at + 42),
        name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      }
      if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localHeaderOffset === 0xffffffff) {
        throw new ZipError(`${path}: ${entry.name} is a Zip64 entry, which this reader does not handle`)
      }
      entries.push(entry)
      at += 46 + nameLength + extraLength + commentLength
    }
    return entries
  } finally {
    await file.close()
  }
}

/** Writes `entry` of the archive at `path` to `destination`, checking its size and CRC-32. */
export async function extractZipEntry(path: string, entry: ZipEntry, destination: string): Promise<void> {
  if (entry.method !== 0 && entry.method !== 8) throw new ZipError(`${path}: ${entry.name} is compressed with method ${entry.method}; only stored (0) and deflated (8) entries can be read`)
  const file = await open(path, 'r')
  let dataStart: number
  try {
    const header = Buffer.alloc(30)
    await file.read(header, 0, 30, entry.localHeaderOffset)
    if (header.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new ZipError(`${path}: the local header of ${entry.name} is damaged; the download is corrupt, try again`)
    // The local header's own name and extra lengths, which may differ from the central directory's.
    dataStart = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28)
  } finally {
    await file.close()
  }
  let crc = 0
  let size = 0
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = crc32(chunk, crc)
      size += chunk.length
      done(null, chunk)
    },
  })
  const compressed = entry.compressedSize > 0 ? createReadStream(path, { start: dataStart, end: dataStart + entry.compressedSize - 1 }) : null
  const out = createWriteStream(destination)
  if (!compressed) out.end()
  else if (entry.method === 8) await pipeline(compressed, createInflateRaw(), check, out)
  else await pipeline(compressed, check, out)
  if (!compressed) await new Promise<void>((resolve) => out.once('close', () => resolve()))
  if (size !== entry.size || (crc >>> 0) !== entry.crc) {
    throw new ZipError(`${path}: ${entry.name} came out ${size} bytes with CRC-32 ${(crc >>> 0).toString(16)}, the archive says ${entry.size} bytes with ${entry.crc.toString(16)}; the download is corrupt, try again`)
  }
}
