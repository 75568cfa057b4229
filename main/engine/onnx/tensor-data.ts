// Encoding engine values as ONNX tensor bytes (little-endian raw_data), and the half-precision
// bit conversions that JS lacks (Node 20 has no Float16Array; bfloat16 has no JS type at all).
import type { DType } from '../ir'
import { OnnxDataType } from './proto'

export function onnxDataType(dtype: DType): number {
  return OnnxDataType[dtype]
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** float -> IEEE binary16 bits, round to nearest even (overflow to inf, NaN kept). */
export function floatToHalfBits(value: number): number {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  let e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    let m = mant >>> shift
    const rest = mant & ((1 << shift) - 1)
    if (rest > half || (rest === half && (m & 1))) m++
    return sign | m
  }
  let m = mant >>> 13
  const rest = mant & 0x1fff
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
    m++
    if (m === 0x400) {
      m = 0
      e++
      if (e >= 0x1f) return sign | 0x7c00
    }
  }
  return sign | (e << 10) | m
}

export function halfBitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >>> 10) & 0x1f
  const mant = bits & 0x3ff
  if (exp === 0) return sign * mant * 2 ** -24
  if (exp === 0x1f) return mant ? NaN : sign * Infinity
  return sign * (1 + mant / 1024) * 2 ** (exp - 15)
}

/** float -> bfloat16 bits (the high half of float32), round to nearest even. */
export function floatToBFloat16Bits(value: number): number {
  f32[0] = value
  const x = u32[0]
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40
  const rounded = x + 0x7fff + ((x >>> 16) & 1)
  return (rounded >>> 16) & 0xffff
}

export function bfloat16BitsToFloat(bits: number): number {
  u32[0] = (bits & 0xffff) << 16
  return f32[0]
}

/** Encodes numeric values (not bit patterns) of `dtype` as little-endian bytes. */
export function encodeValues(dtype: DType, values: ArrayLike<number>): Uint8Array {
  const n = values.length
  switch (dtype) {
    case 'float32':
      return bytesOf(Float32Array.from(values))
    case 'float64':
      return bytesOf(Float64Array.from(values))
    case 'int32':
      return bytesOf(Int32Array.from(values))
    case 'int64': {
      const out = new BigInt64Array(n)
      for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(values[i]))
      return bytesOf(out)
    }
    case 'uint8':
      return Uint8Array.from(values)
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0))
    case 'float16': {
      const out = new Uint16Array(n)
      for (let i = 0; i < n; i++) out[i] = floatToHalfBits(values[i])
      return bytesOf(out)
    }
    case 'bfloat16': {
      const out = new Uint16Array(n)
      for (let i = 0; i < n; i++) out[i] = floatToBFloat16Bits(values[i])
      return bytesOf(out)
    }
  }
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // Typed arrays are platform-endian; every platform ORT ships for is little-endian.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
}
