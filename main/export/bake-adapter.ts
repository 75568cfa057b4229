// The adapter built into an exported graph: the inputs inference feeds the adapter through become
// float32 initializers holding the trained values, so the graph takes token inputs only.
import { OnnxDataType, type ModelProtoObject } from '../engine/onnx'
import type { AdapterFeeds } from '../models/inference/adapter'

/**
 * Turns `feeds` (graph inputs) into initializers of `proto`; the graph's remaining inputs must then
 * be exactly `expectedInputs`, in order. The data-file step moves the tensors out with the weights.
 */
export function bakeAdapterInputs(proto: ModelProtoObject, feeds: AdapterFeeds, expectedInputs: readonly string[]): void {
  const graph = proto.graph
  graph.initializer ??= []
  for (const [name, tensor] of Object.entries(feeds)) {
    const data = tensor.data as Float32Array
    graph.initializer.push({ name, dims: [...tensor.shape], dataType: OnnxDataType.float32, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) })
  }
  graph.input = graph.input.filter((i) => !(i.name in feeds))
  const left = graph.input.map((i) => i.name)
  if (left.join() !== expectedInputs.join()) throw new Error(`internal: the exported graph ${graph.name}'s inputs are ${left.join(', ')}, expected ${expectedInputs.join(', ')}`)
}
