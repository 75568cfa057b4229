/**
 * Element types of engine tensors. bfloat16 and float16 are storage types for frozen weights
 * on GPUs; float64 exists for the reference interpreter and finite-difference checks; uint8
 * holds blockwise-quantized frozen weights (two 4-bit values or one 8-bit value per byte).
 */
export type DType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool'

export const FLOAT_DTYPES: readonly DType[] = ['float32', 'float16', 'bfloat16', 'float64']

export function isFloat(dtype: DType): boolean {
  return FLOAT_DTYPES.includes(dtype)
}

/** Bytes per element as stored (bool as one byte, like ONNX). */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float64':
    case 'int64':
      return 8
    case 'float32':
    case 'int32':
      return 4
    case 'float16':
    case 'bfloat16':
      return 2
    case 'uint8':
    case 'bool':
      return 1
  }
}
