// A graph file of the ONNX export (model.onnx, encoder.onnx, decoder_step.onnx) while it is being written.
import type { Graph } from '../engine/ir'
import { emitModel, type ModelProtoObject } from '../engine/onnx'
import type { AdapterFeeds } from '../models/inference/adapter'
import { bakeAdapterInputs } from './bake-adapter'

/** One graph file of the ONNX export, before its weights move to the shared data file. */
export interface ExportedGraph {
  /** File name in the export folder. */
  file: string
  proto: ModelProtoObject
  /** Its base weights and adapter tensors: every graph of the export must hold the same tensor under each of these names. */
  shared: string[]
}

/**
 * Emits `graph` (built as inference builds it, for the CPU) as the export's `file`, with the adapter
 * `feeds` baked in as initializers; its remaining inputs must then be exactly `inputs`, in order.
 */
export function exportGraph(file: string, graph: Graph, feeds: AdapterFeeds, graphName: string, inputs: readonly string[]): ExportedGraph {
  const proto = emitModel(graph, { target: 'cpu', graphName })
  bakeAdapterInputs(proto, feeds, inputs)
  return { file, proto, shared: [...graph.weights.map((w) => w.name!), ...Object.keys(feeds)] }
}
