// T5's generation graphs, built exactly as the generator builds them for the CPU
// (models/inference/generate.ts), with the adapter baked into both:
//   encoder.onnx       input_ids / attention_mask [batch, src] -> cross.{l}.key/value per decoder
//                      layer: run once per source, its outputs fed unchanged to every step
//   decoder_step.onnx  one decoder token over the self-attention KV cache the caller keeps, reading
//                      the source through encoder_attention_mask and the cross keys/values
// The encoder has adapter sites of its own (the encoder stack, and the decoder's cross-attention
// k/v projections that turn its output into cross keys/values); the step graph has the rest.
import { crossNames } from '../engine/models'
import type { T5Spec } from '../engine/models/spec'
import type { InferenceAdapter } from '../models/inference/adapter'
import { generationStepGraph, t5EncoderGraph } from '../models/inference/generation-graphs'
import type { OpenedModel } from '../models/inference/open-model'
import { exportGraph } from './exported-graph'
import { ONNX_STEP_FILE, stepInputs, type DecoderStepFacts, type GenerationGraphs } from './onnx-step-graph'

export const ONNX_ENCODER_FILE = 'encoder.onnx'

/** The encoder's inputs: the source tokens, right-padded with the pad id, and their mask. */
export const T5_ENCODER_INPUTS = ['input_ids', 'attention_mask'] as const

export function t5GenerationGraphs(model: OpenedModel & { spec: T5Spec }, adapter: InferenceAdapter, graphName: string): GenerationGraphs {
  const { spec } = model
  const facts: DecoderStepFacts = {
    layers: spec.numDecoderLayers,
    kvHeads: spec.numHeads,
    headDim: spec.headDim,
    // The decoder's relative position bias reads every cached key's position.
    cachePositions: true,
    encoder: { decoderStartTokenId: spec.decoderStartTokenId },
  }
  const encoder = t5EncoderGraph(model, adapter)
  const step = generationStepGraph(model, adapter)
  const outputs = encoder.built.outputs.map((o) => o.name)
  const expected = Array.from({ length: facts.layers }, (_, l) => [crossNames(l).key, crossNames(l).value]).flat()
  if (outputs.join() !== expected.join()) throw new Error(`internal: T5's encoder graph gives ${outputs.join(', ')}, expected ${expected.join(', ')}`)
  return {
    graphs: [
      exportGraph(ONNX_ENCODER_FILE, encoder.built, encoder.feeds, `${graphName}_encoder`, T5_ENCODER_INPUTS),
      exportGraph(ONNX_STEP_FILE, step.built, step.feeds, `${graphName}_step`, stepInputs(facts)),
    ],
    facts,
  }
}
