// NumPy's .npy format (version 1.0): the magic, a Python-literal header padded so the data starts
// on a 64-byte boundary, then the array's bytes in C order, little-endian. numpy.load reads it
// without pickle (allow_pickle stays off).
import { closeSync, openSync } from 'node:fs'
import { writeAllSync } from '../../runtime/file-writes'

export type NpyArray = Int32Array | Uint8Array | BigInt64Array | Float32Array
type NpyKind = 'Int32Array' | 'Uint8Array' | 'BigInt64Array' | 'Float32Array'

const DESCR: Record<NpyKind, string> = { Int32Array: '<i4', Uint8Array: '|u1', BigInt64Array: '<i8', Float32Array: '<f4' }

function npyHeader(kind: NpyKind, shape: readonly number[]): Buffer {
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '${DESCR[kind]}', 'fortran_order': False, 'shape': ${dims}, }`
  // magic (6) + version (2) + header length (2) + dict + '\n', a multiple of 64.
  const unpadded = 10 + dict.length + 1
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const head = Buffer.alloc(10)
  head.write('\x93NUMPY', 0, 'latin1')
  head[6] = 1
  head[7] = 0
  head.writeUInt16LE(dict.length, 8)
  return Buffer.concat([head, Buffer.from(dict, 'latin1')])
}

/** Writes `array` with `shape` to `path` as .npy. */
export function writeNpy(path: string, array: NpyArray, shape: readonly number[] = [array.length]): void {
  writeNpyParts(path, shape, [array])
}

/**
 * Writes the concatenation of `parts` (one typed-array kind) as one .npy of `shape`, part by part:
 * a run's million examples' tokens are never copied into one array first.
 */
export function writeNpyParts(path: string, shape: readonly number[], parts: Iterable<NpyArray>, kind?: NpyKind): void {
  const count = shape.reduce((a, b) => a * b, 1)
  const fd = openSync(path, 'w')
  try {
    let written = 0
    let header = false
    const start = (k: NpyKind) => {
      writeAllSync(fd, npyHeader(k, shape))
      header = true
      kind = k
    }
    for (const part of parts) {
      const partKind = part.constructor.name as NpyKind
      if (!header) start(partKind)
      else if (partKind !== kind) throw new Error(`npy ${path}: a ${partKind} part among ${kind} parts`)
      writeAllSync(fd, new Uint8Array(part.buffer, part.byteOffset, part.byteLength))
      written += part.length
    }
    if (!header) {
      if (!kind) throw new Error(`npy ${path}: no parts and no element type`)
      start(kind)
    }
    if (written !== count) throw new Error(`npy ${path}: shape [${shape.join(', ')}] needs ${count} values, the parts hold ${written}`)
  } finally {
    closeSync(fd)
  }
}
