import { closeSync, openSync, readFileSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readSafetensorsHeader, readTensorBytes, SafetensorsError, weightSourceOf, writeSafetensors } from '../../../main/runtime'
import { makeTempDir } from '../../helpers/temp-dir'

let tmp: ReturnType<typeof makeTempDir>
beforeEach(() => (tmp = makeTempDir()))
afterEach(() => tmp.remove())

/** A file whose JSON header is exactly `header` (so tests can make it lie). */
function rawFile(name: string, header: unknown, dataBytes: number): string {
  const path = join(tmp.dir, name)
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(json.length))
  writeFileSync(path, Buffer.concat([length, json, Buffer.alloc(dataBytes)]))
  return path
}

function expectError(path: string, pattern: RegExp): void {
  let error: unknown
  try {
    readSafetensorsHeader(path)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(SafetensorsError)
  expect((error as Error).message).toContain(path)
  expect((error as Error).message).toMatch(pattern)
}

describe('safetensors', () => {
  it('writes and reads back tensors, metadata and absolute offsets', () => {
    const path = join(tmp.dir, 'model.safetensors')
    const a = Float32Array.from([1, 2, 3, 4, 5, 6])
    const b = BigInt64Array.from([7n, -8n])
    const h = Uint16Array.from([0x3c00, 0xc000]) // float16 1, -2
    writeSafetensors(path, [
      { name: 'a', dtype: 'float32', shape: [2, 3], data: a },
      { name: 'b', dtype: 'int64', shape: [2], data: b },
      { name: 'h', dtype: 'bfloat16', shape: [2], data: h },
    ], { format: 'pt' })
    const file = readSafetensorsHeader(path)
    expect(file.metadata).toEqual({ format: 'pt' })
    expect((file.dataStart - 8) % 8).toBe(0) // header padded to 8 bytes
    expect(file.tensors.get('a')).toMatchObject({ dtype: 'F32', engineDType: 'float32', shape: [2, 3], length: 24 })
    expect(file.tensors.get('h')).toMatchObject({ dtype: 'BF16', engineDType: 'bfloat16' })
    expect(new Float32Array(readTensorBytes(file, 'a').slice().buffer)).toEqual(a)
    expect(new BigInt64Array(readTensorBytes(file, 'b').slice().buffer)).toEqual(b)
    const source = weightSourceOf(file, 'b')
    expect(source).toEqual({ kind: 'file', path, offset: file.dataStart + 24, length: 16 })
    const bytes = readFileSync(path)
    expect(bytes.readBigInt64LE((source as { offset: number }).offset + 8)).toBe(-8n)
  })

  it('names the file for a truncated file', () => {
    const path = join(tmp.dir, 'cut.safetensors')
    writeSafetensors(path, [{ name: 'weight', dtype: 'float32', shape: [64], data: new Float32Array(64) }])
    truncateSync(path, 100)
    expectError(path, /tensor "weight".*past the end of the data/)
    truncateSync(path, 5)
    expectError(path, /too short/)
  })

  it('names file and tensor when the header lies about offsets', () => {
    expectError(rawFile('past-end.safetensors', { w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /tensor "w".*past the end/)
    expectError(rawFile('size.safetensors', { w: { dtype: 'F32', shape: [4], data_offsets: [0, 12] } }, 16), /tensor "w".*needs 16/)
    expectError(rawFile('backwards.safetensors', { w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 16), /tensor "w".*data_offsets/)
    expectError(
      rawFile('overlap.safetensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 16),
      /"a" and "b" overlap/,
    )
  })

  it('names file and tensor for an unknown dtype or a bad shape', () => {
    expectError(rawFile('dtype.safetensors', { odd: { dtype: 'F7', shape: [1], data_offsets: [0, 1] } }, 1), /tensor "odd".*unknown dtype "F7"/)
    expectError(rawFile('shape.safetensors', { s: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /tensor "s".*shape/)
  })

  it('rejects a header length beyond the file and a header that is not JSON', () => {
    const path = join(tmp.dir, 'huge.safetensors')
    const fd = openSync(path, 'w')
    const length = Buffer.alloc(8)
    length.writeBigUInt64LE(1n << 40n)
    writeSync(fd, length)
    writeSync(fd, Buffer.from('{}'))
    closeSync(fd)
    expectError(path, /header claims/)
    const notJson = join(tmp.dir, 'notjson.safetensors')
    const l2 = Buffer.alloc(8)
    l2.writeBigUInt64LE(3n)
    writeFileSync(notJson, Buffer.concat([l2, Buffer.from('{x]')]))
    expectError(notJson, /not valid UTF-8 JSON/)
  })

  it('names the file and lists tensors when a tensor is missing', () => {
    const path = join(tmp.dir, 'm.safetensors')
    writeSafetensors(path, [{ name: 'only', dtype: 'float32', shape: [1], data: new Float32Array(1) }])
    expect(() => weightSourceOf(readSafetensorsHeader(path), 'other')).toThrow(/m\.safetensors: no tensor named "other" \(it has 1: only\)/)
  })
})
