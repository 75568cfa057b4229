// Model graph builders: one readable file per architecture (llama.ts, gpt2.ts, t5.ts), sharing
// the pieces beside them. Pure: weights are referenced by file offset, never read here.
import type { Graph } from '../ir'
import type { Gpt2Spec, LlamaFamilySpec } from './spec'
import { buildGpt2 } from './gpt2'
import { buildLlama } from './llama'
import type { ModelBuild, ModelBuildOptions } from './types'
import type { CheckpointWeights } from './weights'

export { buildLlama } from './llama'
export { buildGpt2 } from './gpt2'
export { buildT5, buildT5Encoder, crossNames } from './t5'
export { GraphWeights, type CheckpointWeights, type StoredWeight, type BoundWeight } from './weights'
export { cacheNames } from './kv-cache'
export { positionsFromMask, MASKED_SCORE } from './masks'
export { inverseFrequencies } from './rope'
export { relativePositionBucket } from './t5-buckets'
export { CACHED_STEP_INPUTS, type ModelBuild, type ModelBuildOptions, type BuildMode } from './types'
export type { LmOutputName, LmValues } from './outputs'

/** Builds the graph of a decoder-only model (T5 has buildT5 / buildT5Encoder). */
export function buildDecoderOnly(spec: LlamaFamilySpec | Gpt2Spec, checkpoint: CheckpointWeights, options: ModelBuildOptions = {}, graph?: Graph): ModelBuild {
  return spec.family === 'llama' ? buildLlama(spec, checkpoint, options, graph) : buildGpt2(spec, checkpoint, options, graph)
}
