// A graph file of the ONNX export (model.onnx, decoder_step.onnx) while it is being written.
import type { ModelProtoObject } from '../engine/onnx'

/** One graph file of the ONNX export, before its weights move to the shared data file. */
export interface ExportedGraph {
  /** File name in the export folder. */
  file: string
  proto: ModelProtoObject
  /** Its base weights and adapter tensors: every graph of the export must hold the same tensor under each of these names. */
  shared: string[]
}
