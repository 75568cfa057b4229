// The probe that proves an execution provider runs here: the system-probe job runs it with each
// provider, the cuda-check job with CUDA on the runtime installed in the data folder.
import { encodeModel, OnnxDataType, type ValueInfoProtoObject } from '../engine/onnx/proto'
import type { ProviderName } from './execution-providers'

type Ort = typeof import('onnxruntime-node')

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

/** One session on the probe model with `name` alone (also the cuda-check job's test). */
export async function runOnce(ort: Ort, name: ProviderName, model: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [name],
    // Without this a provider that cannot run Add would hand it to the CPU and "pass".
    ...(name === 'cpu' ? {} : { extra: { session: { disable_cpu_ep_fallback: '1' } } }),
  })
  try {
    const feeds = {
      x: new ort.Tensor('float32', Float32Array.from(probeInputs.x), [2]),
      y: new ort.Tensor('float32', Float32Array.from(probeInputs.y), [2]),
    }
    const outputs = await session.run(feeds)
    return outputs.z.data as Float32Array
  } finally {
    await session.release()
  }
}

export function sameValues(actual: Float32Array, expected: readonly number[]): boolean {
  return actual.length === expected.length && expected.every((value, i) => Math.abs(actual[i] - value) < 1e-5)
}
