import protobuf from 'protobufjs'
import { ONNX_PROTO_SCHEMA } from './schema'

/** ONNX TensorProto.DataType codes for the element types the engine uses. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  bfloat16: 16,
} as const
export type OnnxElemType = keyof typeof OnnxDataType

export const AttributeType = {
  FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
} as const

// Plain-object shapes of the messages we write (protobufjs camel-cases field names).
export interface TensorProtoObject {
  name?: string
  dims?: number[]
  dataType?: number
  rawData?: Uint8Array
  floatData?: number[]
  int64Data?: number[]
  int32Data?: number[]
  doubleData?: number[]
  externalData?: { key: string; value: string }[]
  /** 1 = EXTERNAL */
  dataLocation?: number
}
export interface AttributeProtoObject {
  name: string
  type: number
  f?: number
  i?: number
  s?: Uint8Array
  t?: TensorProtoObject
  floats?: number[]
  ints?: number[]
  strings?: Uint8Array[]
}
export interface NodeProtoObject {
  name?: string
  opType: string
  domain?: string
  input: string[]
  output: string[]
  attribute?: AttributeProtoObject[]
}
export interface DimObject { dimValue?: number; dimParam?: string }
export interface ValueInfoProtoObject {
  name: string
  type: { tensorType: { elemType: number; shape?: { dim: DimObject[] } } }
}
export interface GraphProtoObject {
  name: string
  node: NodeProtoObject[]
  initializer?: TensorProtoObject[]
  input: ValueInfoProtoObject[]
  output: ValueInfoProtoObject[]
  valueInfo?: ValueInfoProtoObject[]
}
export interface ModelProtoObject {
  irVersion: number
  producerName?: string
  producerVersion?: string
  opsetImport: { domain: string; version: number }[]
  graph: GraphProtoObject
  metadataProps?: { key: string; value: string }[]
}

let modelType: protobuf.Type | null = null
function modelProtoType(): protobuf.Type {
  if (!modelType) modelType = protobuf.parse(ONNX_PROTO_SCHEMA, { keepCase: false }).root.lookupType('onnx.ModelProto')
  return modelType
}

/** Serialises a model to ONNX protobuf bytes. Throws with the offending field when the object is malformed. */
export function encodeModel(model: ModelProtoObject): Uint8Array {
  const type = modelProtoType()
  const problem = type.verify(model)
  if (problem) throw new Error(`invalid ONNX model object: ${problem}`)
  return type.encode(type.fromObject(model)).finish()
}

/** Parses ONNX protobuf bytes back into plain objects (used by tests and the model inspector). */
export function decodeModel(bytes: Uint8Array): ModelProtoObject {
  const type = modelProtoType()
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false, arrays: true }) as ModelProtoObject
}
