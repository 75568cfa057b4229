// The graphs generation runs, with an adapter attached: the cached step (decoder-only models, or
// T5's decoder) and T5's encoder. The Generator opens them for its target; the ONNX export writes
// the same graphs for the CPU, so what users run outside the app is what the app generates with.
import { buildDecoderOnly, buildT5, buildT5Encoder } from '../../engine/models'
import type { GraphOptions } from '../../engine/ir'
import type { T5Spec } from '../../engine/models/spec'
import { buildWithAdapter, type InferenceAdapter } from './adapter'
import type { OpenedModel } from './open-model'

/**
 * The cached step graph and its adapter feeds; `maxPositions` sizes the rotary tables (Llama
 * family). `scoring`: the step scores its tokens (token_nll) and every row continues one shared
 * past (ModelBuildOptions labels and sharedPast): what rank classification runs to score a
 * question's choices after computing its prompt once.
 */
export function generationStepGraph(
  model: OpenedModel, adapter: InferenceAdapter | null | undefined, maxPositions?: number, graphOptions: GraphOptions = {}, { scoring = false } = {},
) {
  const { spec, checkpoint } = model
  const build = { mode: 'cached' as const, labels: scoring, sharedPast: scoring, ...(maxPositions ? { maxPositions } : {}) }
  return buildWithAdapter(
    adapter,
    (graph, hooks) => (spec.family === 't5' ? buildT5(spec, checkpoint, { ...build, ...hooks }, graph).graph : buildDecoderOnly(spec, checkpoint, { ...build, ...hooks }, graph).graph),
    graphOptions,
  )
}

/** T5's encoder graph (cross keys/values per decoder layer) and its adapter feeds. */
export function t5EncoderGraph(model: OpenedModel & { spec: T5Spec }, adapter: InferenceAdapter | null | undefined, graphOptions: GraphOptions = {}) {
  return buildWithAdapter(adapter, (graph, hooks) => buildT5Encoder(model.spec, model.checkpoint, hooks, graph), graphOptions)
}
