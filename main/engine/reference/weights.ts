import { bytesPerElement, type DType } from '../ir'

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exp = (bits >>> 10) & 0x1f
  const mant = bits & 0x3ff
  if (exp === 0) return sign * mant * 2 ** -24
  if (exp === 0x1f) return mant ? NaN : sign * Infinity
  return sign * (1 + mant / 1024) * 2 ** (exp - 15)
}

/** Decodes little-endian tensor bytes (safetensors / ONNX raw_data layout) into numbers. */
export function decodeTensorBytes(dtype: DType, bytes: Uint8Array, count: number, name: string): Float64Array {
  const expected = count * bytesPerElement(dtype)
  if (bytes.byteLength !== expected) throw new Error(`weight ${name}: ${count} ${dtype} elements need ${expected} bytes, the reader returned ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float64Array(count)
  const f32 = new Float32Array(1)
  const u32 = new Uint32Array(f32.buffer)
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float64':
        out[i] = view.getFloat64(i * 8, true)
        break
      case 'float32':
        out[i] = view.getFloat32(i * 4, true)
        break
      case 'float16':
        out[i] = halfToFloat(view.getUint16(i * 2, true))
        break
      case 'bfloat16':
        u32[0] = view.getUint16(i * 2, true) << 16
        out[i] = f32[0]
        break
      case 'int64':
        out[i] = Number(view.getBigInt64(i * 8, true))
        break
      case 'int32':
        out[i] = view.getInt32(i * 4, true)
        break
      case 'bool':
        out[i] = view.getUint8(i) ? 1 : 0
        break
    }
  }
  return out
}
