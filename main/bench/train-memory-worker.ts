// Runs in its own process (see train-memory.ts), so that its peak resident memory is one
// session's alone: builds a Llama-style graph on the weights of a safetensors file (read in
// place), opens the session, runs one small train step, and reports over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { Graph, type Value } from '../engine/ir'
import { emitModel, encodeModel } from '../engine/onnx'
import { createSession, eachWeightReadOnce, hostTensor, planExternalData, readSafetensorsHeader, weightSourceOf, type HostTensor } from '../runtime'
import { buildLlamaGraph } from './llama-train-graph'
import { peakRssBytes } from './peak-rss'
import type { TrainMemoryRequest, TrainMemoryResult } from './train-memory'

/** Every tensor of the file as a frozen weight of `g`, in its stored dtype. */
function declareFileWeights(g: Graph, path: string): Record<string, Value> {
  const file = readSafetensorsHeader(path)
  const weights: Record<string, Value> = {}
  for (const [name, entry] of file.tensors) weights[name] = g.weight(name, entry.engineDType!, entry.shape, weightSourceOf(file, name))
  return weights
}

function stepFeeds(request: TrainMemoryRequest, inputNames: readonly string[]): Record<string, HostTensor> {
  const { tokens, shape } = request
  const ids = (seed: number) => BigInt64Array.from({ length: tokens }, (_, t) => BigInt(((t + seed) * 7919) % shape.vocab))
  const feeds: Record<string, HostTensor> = {
    input_ids: hostTensor('int64', [1, tokens], ids(0)),
    labels: hostTensor('int64', [1, tokens], ids(1)),
    position_ids: hostTensor('int64', [1, tokens], BigInt64Array.from({ length: tokens }, (_, t) => BigInt(t))),
    attention_mask: hostTensor('float32', [1, tokens], new Float32Array(tokens).fill(1)),
    label_mask: hostTensor('float32', [1, tokens], new Float32Array(tokens).fill(1)),
  }
  for (const name of inputNames) if (name.endsWith('.ia3_l')) feeds[name] = hostTensor('float32', [shape.ffn], new Float32Array(shape.ffn).fill(1))
  return feeds
}

async function measure(request: TrainMemoryRequest): Promise<TrainMemoryResult> {
  const baselineRssBytes = peakRssBytes()
  const g = new Graph()
  buildLlamaGraph(g, declareFileWeights(g, request.weightsPath), request.shape, request.graph)
  const plan = planExternalData(g)
  const model = emitModel(g, { externalLocation: (path) => plan.locations.get(path) ?? path })
  const bytes = encodeModel(model)
  // As createGraphSession decides, unless the request says.
  const prepackWeights = request.prepackWeights ?? eachWeightReadOnce(model, new Set(g.weights.map((w) => w.name!)))
  const started = performance.now()
  const session = await createSession(bytes, { device: 'cpu', threads: request.threads, externalDataFolder: plan.folder, prepackWeights })
  const sessionSeconds = (performance.now() - started) / 1000
  const sessionPeakRssBytes = peakRssBytes()
  const feeds = stepFeeds(request, session.inputNames)
  const stepStarted = performance.now()
  await session.run(feeds)
  const stepSeconds = (performance.now() - stepStarted) / 1000
  const peak = peakRssBytes()
  await session.dispose()
  return { baselineRssBytes, sessionSeconds, sessionPeakRssBytes, stepSeconds, peakRssBytes: peak }
}

process.once('message', (message) => {
  measure(message as TrainMemoryRequest).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: Error) => process.send!({ ok: false, message: error.stack ?? error.message }, () => process.exit(1)),
  )
})
