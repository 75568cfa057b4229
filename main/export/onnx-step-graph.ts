// decoder_step.onnx: the KV-cache step graph Mixture Studio generates with, built exactly as the
// generator builds it for the CPU (models/inference/generate.ts: mode 'cached'), with the adapter
// tensors baked in. One run computes only the step's own tokens against a cache the caller keeps,
// so n new tokens cost n runs instead of n passes over the growing sequence. The protocol is
// CACHED_STEP_INPUTS's (engine/models/types.ts); the model card spells it out for users.
// T5's step graph and the encoder graph it reads are onnx-t5-graphs.ts's.
import { cacheNames, crossNames } from '../engine/models'
import type { Gpt2Spec, LlamaFamilySpec } from '../engine/models/spec'
import type { InferenceAdapter } from '../models/inference/adapter'
import { generationStepGraph } from '../models/inference/generation-graphs'
import type { OpenedModel } from '../models/inference/open-model'
import { exportGraph, type ExportedGraph } from './exported-graph'

export const ONNX_STEP_FILE = 'decoder_step.onnx'

/** What the model card says about the step graph: the cache's shape and the optional inputs. */
export interface DecoderStepFacts {
  /** Decoder layers (T5: the decoder stack's). */
  layers: number
  kvHeads: number
  headDim: number
  /** The graph takes cache_positions (a sliding window, or T5's relative position bias, needs each cached key's position). */
  cachePositions: boolean
  /**
   * T5: the step also takes encoder_attention_mask and encoder.onnx's cross.{l}.key/value
   * [batch, kvHeads, src, headDim], and the decoder starts from this token. null: decoder-only.
   */
  encoder: { decoderStartTokenId: number } | null
}

/** The graphs an export generates with (decoder_step.onnx; T5: encoder.onnx first) and what the card says of them. */
export interface GenerationGraphs {
  graphs: ExportedGraph[]
  facts: DecoderStepFacts
}

export function decoderStepGraph(
  model: OpenedModel & { spec: LlamaFamilySpec | Gpt2Spec },
  adapter: InferenceAdapter,
  maxPositions: number | null,
  graphName: string,
): GenerationGraphs {
  const spec = model.spec
  const { built: graph, feeds } = generationStepGraph(model, adapter, maxPositions ?? undefined)
  const facts: DecoderStepFacts = {
    layers: spec.numLayers,
    kvHeads: spec.numKvHeads,
    headDim: spec.headDim,
    cachePositions: spec.family === 'llama' && spec.slidingWindow !== null,
    encoder: null,
  }
  return { graphs: [exportGraph(ONNX_STEP_FILE, graph, feeds, graphName, stepInputs(facts))], facts }
}

/** The step graph's inputs in order, once the adapter is baked in (T5's encoder outputs come first). */
export function stepInputs(facts: DecoderStepFacts): string[] {
  const perLayer = (names: (l: number) => string[]) => Array.from({ length: facts.layers }, (_, l) => names(l)).flat()
  const encoder = facts.encoder ? ['encoder_attention_mask', ...perLayer((l) => [crossNames(l).key, crossNames(l).value])] : []
  const past = perLayer((l) => [cacheNames(l).pastKey, cacheNames(l).pastValue])
  return [...encoder, 'input_ids', 'position_ids', 'attention_mask', 'cache_start', ...(facts.cachePositions ? ['cache_positions'] : []), ...past]
}
