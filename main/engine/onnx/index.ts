export * from './proto'
export { emitModel, emitModelBytes, ONNX_OPSET, ONNX_IR_VERSION, type EmitOptions } from './emit'
export { describeModel, formatModelDescription, type ModelDescription } from './describe'
export { floatToHalfBits, halfBitsToFloat, floatToBFloat16Bits, bfloat16BitsToFloat, encodeValues } from './tensor-data'
