// Graph -> ONNX bytes (weights left in their safetensors files) -> session, in one call.
import type { Graph } from '../engine/ir'
import { emitModel, encodeModel } from '../engine/onnx'
import { planExternalData } from './external-data'
import { eachWeightReadOnce } from './prepack-choice'
import { createSession, type CreateSessionOptions, type EngineSession } from './session'

export interface GraphSession extends EngineSession {
  /** Size of the ONNX protobuf (weights in files are not in it). */
  readonly modelBytes: number
}

/** `prepackWeights` defaults to: only when no frozen weight is read twice (prepack-choice.ts). */
export async function createGraphSession(graph: Graph, options: Omit<CreateSessionOptions, 'externalDataFolder'> = {}): Promise<GraphSession> {
  const plan = planExternalData(graph)
  const model = emitModel(graph, { externalLocation: (path) => plan.locations.get(path) ?? path })
  const bytes = encodeModel(model)
  const prepackWeights = options.prepackWeights ?? eachWeightReadOnce(model, new Set(graph.weights.map((w) => w.name!)))
  const session = await createSession(bytes, { ...options, prepackWeights, externalDataFolder: plan.folder })
  return Object.assign(session, { modelBytes: bytes.byteLength })
}
