// decoder_step.onnx: the KV-cache step graph Mixture Studio generates with, built exactly as the
// generator builds it for the CPU (models/inference/generate.ts: mode 'cached'), with the adapter
// tensors baked in. One run computes only the step's own tokens against a cache the caller keeps,
// so n new tokens cost n runs instead of n passes over the growing sequence. The protocol is
// CACHED_STEP_INPUTS's (engine/models/types.ts); the model card spells it out for users.
import { buildDecoderOnly, cacheNames } from '../engine/models'
import { emitModel } from '../engine/onnx'
import type { Gpt2Spec, LlamaFamilySpec } from '../models/config'
import { buildWithAdapter, type InferenceAdapter } from '../models/inference/adapter'
import type { OpenedModel } from '../models/inference/open-model'
import { bakeAdapterInputs } from './bake-adapter'
import type { ExportedGraph } from './exported-graph'

export const ONNX_STEP_FILE = 'decoder_step.onnx'

/** What the model card says about the step graph: the cache's shape and the optional input. */
export interface DecoderStepFacts {
  layers: number
  kvHeads: number
  headDim: number
  /** The graph takes cache_positions (a sliding window needs each cached key's position). */
  cachePositions: boolean
}

export function decoderStepGraph(
  model: OpenedModel & { spec: LlamaFamilySpec | Gpt2Spec },
  adapter: InferenceAdapter,
  maxPositions: number | null,
  graphName: string,
): { graph: ExportedGraph; facts: DecoderStepFacts } {
  const spec = model.spec
  const build = { mode: 'cached' as const, ...(maxPositions !== null && spec.family === 'llama' ? { maxPositions } : {}) }
  const { built: graph, feeds } = buildWithAdapter(adapter, (g, hooks) => buildDecoderOnly(spec, model.checkpoint, { ...build, ...hooks }, g).graph)
  const proto = emitModel(graph, { target: 'cpu', graphName })
  const facts: DecoderStepFacts = {
    layers: spec.numLayers,
    kvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    cachePositions: spec.family === 'llama' && spec.slidingWindow !== null,
  }
  bakeAdapterInputs(proto, feeds, stepInputs(facts))
  const shared = [...graph.weights.map((w) => w.name!), ...Object.keys(feeds)]
  return { graph: { file: ONNX_STEP_FILE, proto, shared }, facts }
}

/** The step graph's inputs in order, once the adapter is baked in. */
export function stepInputs(facts: DecoderStepFacts): string[] {
  const past = Array.from({ length: facts.layers }, (_, l) => [cacheNames(l).pastKey, cacheNames(l).pastValue]).flat()
  return ['input_ids', 'position_ids', 'attention_mask', 'cache_start', ...(facts.cachePositions ? ['cache_positions'] : []), ...past]
}
