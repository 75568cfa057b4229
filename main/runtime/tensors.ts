// Engine tensors on the JS side, and their conversion to and from onnxruntime tensors.
// float16 travels as Uint16Array bit patterns (the engine reads and writes the bits; see
// float16Tensor for why not Float16Array), int64 as BigInt64Array, bool as Uint8Array. bfloat16 cannot cross the boundary: cast in the graph.
import ort from 'onnxruntime-node'
import type { DType } from '../engine/ir'

export interface HostDataByDType {
  float32: Float32Array
  float64: Float64Array
  float16: Uint16Array
  int64: BigInt64Array
  int32: Int32Array
  bool: Uint8Array
}
export type HostDType = keyof HostDataByDType
export type HostTensor<D extends HostDType = HostDType> = { [K in D]: { dtype: K; shape: readonly number[]; data: HostDataByDType[K] } }[D]

export function hostTensor<D extends HostDType>(dtype: D, shape: readonly number[], data: HostDataByDType[D]): HostTensor<D> {
  const size = shape.reduce((a, b) => a * b, 1)
  if (data.length !== size) throw new Error(`a ${dtype} tensor of shape [${shape.join(', ')}] needs ${size} elements, got ${data.length}`)
  return { dtype, shape: [...shape], data } as HostTensor<D>
}

export function isHostDType(dtype: DType): dtype is HostDType {
  return dtype !== 'bfloat16'
}

export function toOrtTensor(name: string, t: HostTensor): ort.Tensor {
  if ((t.dtype as string) === 'bfloat16') throw new Error(`input "${name}": bfloat16 cannot be fed from JS; feed float32 and Cast inside the graph`)
  const size = t.shape.reduce((a, b) => a * b, 1)
  if (t.data.length !== size) throw new Error(`input "${name}": shape [${t.shape.join(', ')}] needs ${size} elements, got ${t.data.length}`)
  if (t.dtype === 'float16') return float16Tensor(t.data, t.shape)
  return new ort.Tensor(t.dtype, t.data, t.shape)
}

/**
 * A float16 tensor over Uint16Array bits. Where the runtime has Float16Array (Node 24), ort.Tensor
 * re-wraps a float16 Uint16Array as one, and onnxruntime-node 1.30's N-API binding then reads it as
 * zero bytes ("not enough space: expected 6, got 0"): N-API has no Float16Array type. Built as
 * uint16 and labelled float16, the binding gets the type name and the bytes it reads for float16.
 */
function float16Tensor(bits: Uint16Array, shape: readonly number[]): ort.Tensor {
  const tensor = new ort.Tensor('uint16', bits, shape)
  Object.defineProperty(tensor, 'type', { value: 'float16' })
  return tensor
}

/** float16 output as its bits, whichever array type the binding or ort.Tensor chose. */
function float16Bits(data: ort.Tensor['data']): Uint16Array {
  const view = data as ArrayBufferView & { length: number }
  return view instanceof Uint16Array ? view : new Uint16Array(view.buffer, view.byteOffset, view.length)
}

export function fromOrtTensor(name: string, t: ort.Tensor): HostTensor {
  const shape = [...t.dims]
  switch (t.type) {
    case 'float16':
      return { dtype: 'float16', shape, data: float16Bits(t.data) }
    case 'float32':
    case 'float64':
    case 'int64':
    case 'int32':
    case 'bool':
      return { dtype: t.type, shape, data: t.data } as HostTensor
    default:
      throw new Error(`output "${name}" has type ${t.type}, which the engine does not use; cast it in the graph`)
  }
}

/**
 * An int64 feed in the dtype a graph declares for it (GPU graphs take masks as float32 and labels
 * as int32; see engine/ir GraphOptions.inputDTypes). Only exact conversions: an id beyond int32,
 * or a value float32 cannot hold exactly (|v| > 2²⁴), is an error naming the input.
 */
export function conformIntegerFeed(name: string, t: HostTensor, dtype: DType): HostTensor {
  if (t.dtype === dtype || t.dtype !== 'int64' || (dtype !== 'int32' && dtype !== 'float32')) return t
  const limit = dtype === 'int32' ? 2 ** 31 : 2 ** 24
  const out = dtype === 'int32' ? new Int32Array(t.data.length) : new Float32Array(t.data.length)
  for (let i = 0; i < t.data.length; i++) {
    const v = Number(t.data[i])
    if (!(Math.abs(v) < limit)) throw new Error(`input "${name}": value ${t.data[i]} at element ${i} does not fit ${dtype}, which this graph takes it as`)
    out[i] = v
  }
  return { dtype, shape: t.shape, data: out } as HostTensor
}
