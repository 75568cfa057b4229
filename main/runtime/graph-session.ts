// Graph -> ONNX bytes (weights left in their safetensors files) -> session, in one call.
import type { Graph } from '../engine/ir'
import { emitModel, encodeModel, type EmitTarget } from '../engine/onnx'
import { planExternalData } from './external-data'
import { eachWeightReadOnce } from './prepack-choice'
import { createSession, type CreateSessionOptions, type EngineSession } from './session'
import { conformIntegerFeed, type HostTensor } from './tensors'

export interface GraphSession extends EngineSession {
  /** Size of the ONNX protobuf (weights in files are not in it). */
  readonly modelBytes: number
}

export interface GraphSessionOptions extends Omit<CreateSessionOptions, 'externalDataFolder'> {
  /** Kernels the emitted graph may use (see EmitTarget); default `gpu` for a GPU device, else `cpu`. */
  emitTarget?: EmitTarget
}

/**
 * `prepackWeights` defaults to: only when no frozen weight is read twice (prepack-choice.ts).
 * int64 feeds are converted to the dtype the graph declares for them (conformIntegerFeed).
 */
export async function createGraphSession(graph: Graph, options: GraphSessionOptions = {}): Promise<GraphSession> {
  const plan = planExternalData(graph)
  const device = options.device ?? 'auto'
  const target = options.emitTarget ?? (device === 'auto' || device === 'cpu' ? 'cpu' : 'gpu')
  const model = emitModel(graph, { target, externalLocation: (path) => plan.locations.get(path) ?? path })
  const bytes = encodeModel(model)
  const prepackWeights = options.prepackWeights ?? eachWeightReadOnce(model, new Set(graph.weights.map((w) => w.name!)))
  const session = await createSession(bytes, { ...options, prepackWeights, externalDataFolder: plan.folder })
  const declared = new Map(graph.inputs.map((v) => [v.name!, v.dtype]))
  const conform = (feeds: Record<string, HostTensor>) =>
    Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, declared.has(name) ? conformIntegerFeed(name, t, declared.get(name)!) : t]))
  return { ...session, modelBytes: bytes.byteLength, run: (feeds, fetches) => session.run(conform(feeds), fetches) }
}
