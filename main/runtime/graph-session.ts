// Graph -> ONNX bytes (weights left in their safetensors files) -> session, in one call.
import type { Graph } from '../engine/ir'
import { emitModel, encodeModel, type EmitTarget } from '../engine/onnx'
import { planExternalData } from './external-data'
import { eachWeightReadOnce } from './prepack-choice'
import { createSession, type CreateSessionOptions, type EngineSession } from './session'
import { conformIntegerFeed, hostTensor, isHostDType, type HostDataByDType, type HostDType, type HostTensor } from './tensors'

export interface GraphSession extends EngineSession {
  /** Size of the ONNX protobuf (weights in files are not in it). */
  readonly modelBytes: number
}

export interface GraphSessionOptions extends Omit<CreateSessionOptions, 'externalDataFolder' | 'dynamicShapes'> {
  /** Kernels the emitted graph may use (see EmitTarget); default `gpu` for a GPU device, else `cpu`. */
  emitTarget?: EmitTarget
  /** The graph's shapes change between runs: on a GPU, check where it runs with a warm-up (CreateSessionOptions.dynamicShapes). */
  dynamicShapes?: boolean
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
  const { dynamicShapes, ...rest } = options
  const session = await createSession(bytes, { ...rest, prepackWeights, externalDataFolder: plan.folder, ...(dynamicShapes ? { dynamicShapes: { warmup: warmupFeeds(graph) } } : {}) })
  const declared = new Map(graph.inputs.map((v) => [v.name!, v.dtype]))
  const conform = (feeds: Record<string, HostTensor>) =>
    Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, declared.has(name) ? conformIntegerFeed(name, t, declared.get(name)!) : t]))
  return { ...session, modelBytes: bytes.byteLength, run: (feeds, fetches) => session.run(conform(feeds), fetches) }
}

/**
 * Zeros for every input, each symbolic dim 1: the smallest run of the graph, enough to see where
 * each node is placed (ids 0, positions 0, an empty mask; the values computed do not matter).
 */
export function warmupFeeds(graph: Graph): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {}
  for (const input of graph.inputs) {
    const shape = input.shape.map((d) => (typeof d === 'number' ? d : 1))
    const size = shape.reduce((a, b) => a * b, 1)
    const dtype = input.dtype
    if (!isHostDType(dtype)) throw new Error(`input "${input.name}" is ${dtype}, which cannot be fed from JS`)
    feeds[input.name!] = hostTensor(dtype, shape, zeros(dtype, size))
  }
  return feeds
}

function zeros(dtype: HostDType, size: number): HostDataByDType[HostDType] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size)
    case 'float64':
      return new Float64Array(size)
    case 'float16':
      return new Uint16Array(size)
    case 'int64':
      return new BigInt64Array(size)
    case 'int32':
      return new Int32Array(size)
    case 'bool':
      return new Uint8Array(size)
  }
}
