// Engine tensors on the JS side, and their conversion to and from onnxruntime tensors.
// float16 travels as Uint16Array bit patterns (Node 20 has no Float16Array), int64 as
// BigInt64Array, bool as Uint8Array. bfloat16 cannot cross the boundary: cast in the graph.
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
  return new ort.Tensor(t.dtype, t.data, t.shape)
}

export function fromOrtTensor(name: string, t: ort.Tensor): HostTensor {
  const shape = [...t.dims]
  switch (t.type) {
    case 'float32':
    case 'float64':
    case 'float16':
    case 'int64':
    case 'int32':
    case 'bool':
      return { dtype: t.type, shape, data: t.data } as HostTensor
    default:
      throw new Error(`output "${name}" has type ${t.type}, which the engine does not use; cast it in the graph`)
  }
}
