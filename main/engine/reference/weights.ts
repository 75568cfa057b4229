import { bytesPerElement, type DType } from '../ir'
import { bfloat16BitsToFloat, halfBitsToFloat } from '../onnx/tensor-data'

/** Decodes little-endian tensor bytes (safetensors / ONNX raw_data layout) into numbers. */
export function decodeTensorBytes(dtype: DType, bytes: Uint8Array, count: number, name: string): Float64Array {
  const expected = count * bytesPerElement(dtype)
  if (bytes.byteLength !== expected) throw new Error(`weight ${name}: ${count} ${dtype} elements need ${expected} bytes, the reader returned ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float64':
        out[i] = view.getFloat64(i * 8, true)
        break
      case 'float32':
        out[i] = view.getFloat32(i * 4, true)
        break
      case 'float16':
        out[i] = halfBitsToFloat(view.getUint16(i * 2, true))
        break
      case 'bfloat16':
        out[i] = bfloat16BitsToFloat(view.getUint16(i * 2, true))
        break
      case 'int64':
        out[i] = Number(view.getBigInt64(i * 8, true))
        break
      case 'int32':
        out[i] = view.getInt32(i * 4, true)
        break
      case 'uint8':
        out[i] = view.getUint8(i)
        break
      case 'bool':
        out[i] = view.getUint8(i) ? 1 : 0
        break
    }
  }
  return out
}
