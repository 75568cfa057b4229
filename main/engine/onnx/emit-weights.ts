// Initializers over a frozen weight's stored bytes (external data by file range, or inline).
import type { Value } from '../ir'
import type { TensorProtoObject } from './proto'
import { encodeValues } from './tensor-data'

/**
 * An initializer over a weight's bytes, as stored: the weight itself, or another view of the same
 * bytes (another dtype or shape, as the quantized ops need). A view of a file weight points at the
 * same file range, so onnxruntime maps the same pages: nothing is held twice.
 */
export function weightView(w: Value, base: TensorProtoObject, externalLocation: (path: string) => string): TensorProtoObject {
  const origin = w.origin
  if (origin.kind !== 'weight') throw new Error(`emit: ${w.describe()} is not a weight`)
  const source = origin.source
  if (source.kind === 'inline') return { ...base, rawData: encodeValues(w.dtype, source.data) }
  const location = externalLocation(source.path)
  return {
    ...base,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(source.offset) },
      { key: 'length', value: String(source.length) },
    ],
  }
}
