// NumPy's .npy format (version 1.0): the magic, a Python-literal header padded so the data starts
// on a 64-byte boundary, then the array's bytes in C order, little-endian. numpy.load reads it
// without pickle (allow_pickle stays off).
import { closeSync, openSync } from 'node:fs'
import { writeAllSync } from '../../runtime/file-writes'

export type NpyArray = Int32Array | Uint8Array | BigInt64Array | Float32Array

const DESCR: Record<string, string> = { Int32Array: '<i4', Uint8Array: '|u1', BigInt64Array: '<i8', Float32Array: '<f4' }

export function npyHeader(array: NpyArray, shape: readonly number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1)
  if (count !== array.length) throw new Error(`npy: shape [${shape.join(', ')}] needs ${count} values, the array has ${array.length}`)
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`
  let dict = `{'descr': '${DESCR[array.constructor.name]}', 'fortran_order': False, 'shape': ${dims}, }`
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
  const fd = openSync(path, 'w')
  try {
    writeAllSync(fd, npyHeader(array, shape))
    writeAllSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength))
  } finally {
    closeSync(fd)
  }
}
