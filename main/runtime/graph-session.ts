// Graph -> ONNX bytes (weights left in their safetensors files) -> session, in one call.
import type { Graph } from '../engine/ir'
import { emitModelBytes } from '../engine/onnx'
import { planExternalData } from './external-data'
import { createSession, type CreateSessionOptions, type EngineSession } from './session'

export interface GraphSession extends EngineSession {
  /** Size of the ONNX protobuf (weights in files are not in it). */
  readonly modelBytes: number
}

export async function createGraphSession(graph: Graph, options: Omit<CreateSessionOptions, 'externalDataFolder'> = {}): Promise<GraphSession> {
  const plan = planExternalData(graph)
  const bytes = emitModelBytes(graph, { externalLocation: (path) => plan.locations.get(path) ?? path })
  const session = await createSession(bytes, { ...options, externalDataFolder: plan.folder })
  return Object.assign(session, { modelBytes: bytes.byteLength })
}
