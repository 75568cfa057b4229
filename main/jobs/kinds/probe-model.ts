import { encodeModel, OnnxDataType, type ValueInfoProtoObject } from '../../engine/onnx/proto'

/** z = x + y over float32[2]: the smallest model that makes a provider run a kernel. */
export function probeModelBytes(): Uint8Array {
  const vector = (name: string): ValueInfoProtoObject => ({
    name,
    type: { tensorType: { elemType: OnnxDataType.float32, shape: { dim: [{ dimValue: 2 }] } } },
  })
  return encodeModel({
    irVersion: 8,
    producerName: 'mixture-studio-system-probe',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [{ name: 'add', opType: 'Add', input: ['x', 'y'], output: ['z'] }],
      input: [vector('x'), vector('y')],
      output: [vector('z')],
    },
  })
}

export const probeInputs = { x: [1, 2], y: [10, 20] }
export const probeExpected = [11, 22]
