// T5 (v1.1 / Flan-T5, and the original), after transformers' modeling_t5. No biases, no 1/√d
// scaling of scores, RMS-style "LayerNorm".
//   encoder: x = shared(ids); per layer: x += SelfAttn(Norm(x)) + block-0 relative position bias
//            (bidirectional buckets, shared by all layers); x += FFN(Norm(x)); Norm_final
//   decoder: y = shared(decoder ids); per layer: y += causal SelfAttn(Norm(y)) with its own block-0
//            bias (unidirectional); y += CrossAttn(Norm(y), encoder output); y += FFN(Norm(y)); Norm_final
//   FFN: wo(act(wi_0 h) ⊙ wi_1 h) when gated, wo(act(wi h)) otherwise
//   logits = lm_head(y), or shared(y·d_model^-0.5) when tied
// Three graphs: `forward` (encoder + decoder, for training and scoring), and for generation the
// encoder with every decoder layer's cross-attention keys/values (buildT5Encoder), run once, and
// a cached decoder step (mode `cached`) that reads them.
import { F, Graph, type Value } from '../ir'
import { rmsNorm } from '../nn'
import { NO_ADAPTER, type AdapterHooks } from '../adapters/sites'
import type { Stack } from './weight-map'
import type { T5Spec } from './spec'
import { groupedAttention } from './attention'
import { hfActivation, parentModule } from './common'
import { declareDecoderInputs } from './decoder-inputs'
import { adaptedProjection, embedRows, headsFirst, mergeHeads, projectToVocab, splitHeads, type SiteLocation } from './layers'
import { positionsFromMask, visibilityBias } from './masks'
import { declareCachedOutputs, forwardOutputs } from './outputs'
import { relativePositionBias } from './t5-buckets'
import type { ModelBuild, ModelBuildOptions } from './types'
import { GraphWeights, type BoundWeight, type CheckpointWeights } from './weights'

type KeysValues = { key: Value; value: Value } // [B, H, S, d_kv]

/** Names of the cross-attention keys/values of decoder layer l (outputs of the encoder graph, inputs of the step graph). */
export function crossNames(layer: number): { key: string; value: string } {
  return { key: `cross.${layer}.key`, value: `cross.${layer}.value` }
}

/** The parts of T5 every graph shares, over one graph's weights and hooks. */
class T5Parts {
  constructor(
    readonly spec: T5Spec,
    readonly w: GraphWeights,
    readonly hooks: AdapterHooks,
  ) {}

  /** Encoder output [B, S, d] for ids and mask [B, S]. */
  encode(ids: Value, mask: Value): Value {
    const { spec, w } = this
    const positions = positionsFromMask(mask)
    const bias = F.add(
      relativePositionBias(w.get('encoder', null, 'relative_attention_bias').value, positions, positions, { ...spec.relativeAttention, bidirectional: true }),
      visibilityBias({ keyMask: mask }),
    ) // [B, H, S, S]
    let x = embedRows(ids, w.get('encoder', null, 'embed_tokens')) // [B, S, d]
    for (let layer = 0; layer < spec.numLayers; layer++) {
      x = x.graph.block(`encoder.${layer}`, () => {
        const at: SiteLocation = { layer, stack: 'encoder', attention: 'self', tokenMask: mask }
        const h = this.norm(x, 'encoder', layer, 'attn_norm')
        const attended = this.attend('encoder', layer, at, h, this.keysValues('encoder', layer, at, h, false), bias, false)
        const y = F.add(x, attended)
        return F.add(y, this.feedForward('encoder', layer, { layer, stack: 'encoder', tokenMask: mask }, y))
      })
    }
    return this.norm(x, 'encoder', null, 'final_norm')
  }

  /** Keys and values of one attention [B, H, S, d_kv], through the k/v projection and activation sites. */
  keysValues(stack: Stack, layer: number, at: SiteLocation, source: Value, cross: boolean): KeysValues {
    const { spec, w, hooks } = this
    const kW = w.get(stack, layer, cross ? 'cross_k' : 'k')
    const vW = w.get(stack, layer, cross ? 'cross_v' : 'v')
    const k = hooks.activation({ ...at, kind: 'keys', module: kW.module }, splitHeads(adaptedProjection(hooks, at, 'k', source, kW, null), spec.numHeads, spec.headDim))
    const v = hooks.activation({ ...at, kind: 'values', module: vW.module }, splitHeads(adaptedProjection(hooks, at, 'v', source, vW, null), spec.numHeads, spec.headDim))
    return { key: headsFirst(k), value: headsFirst(v) }
  }

  /** Attention output after o, [B, T, d]. */
  attend(stack: Stack, layer: number, at: SiteLocation, h: Value, kv: KeysValues, bias: Value, cross: boolean): Value {
    const { spec, w, hooks } = this
    const q = headsFirst(splitHeads(adaptedProjection(hooks, at, 'q', h, w.get(stack, layer, cross ? 'cross_q' : 'q'), null), spec.numHeads, spec.headDim))
    const out = groupedAttention(q, kv.key, kv.value, bias, { heads: spec.numHeads, kvHeads: spec.numHeads, scale: 1 }) // [B, H, T, d_kv]
    return adaptedProjection(hooks, at, 'o', mergeHeads(out), w.get(stack, layer, cross ? 'cross_o' : 'o'), null)
  }

  /** wo(act(wi_0 h) ⊙ wi_1 h), or wo(act(wi h)), with h = Norm(x). */
  feedForward(stack: Stack, layer: number, at: SiteLocation, x: Value): Value {
    const { spec, w, hooks } = this
    const h = this.norm(x, stack, layer, 'ffn_norm')
    const inW = w.get(stack, layer, spec.gatedFfn ? 'gate' : 'up')
    const activated = hooks.activation({ ...at, kind: 'ffn', module: parentModule(inW.module) }, hfActivation(spec.activation, adaptedProjection(hooks, at, 'wi_0', h, inW, null)))
    const hidden = spec.gatedFfn ? F.mul(activated, adaptedProjection(hooks, at, 'wi_1', h, w.get(stack, layer, 'up'), null)) : activated // [B, T, d_ff]
    return adaptedProjection(hooks, at, 'wo', hidden, w.get(stack, layer, 'down'), null)
  }

  norm(x: Value, stack: Stack, layer: number | null, part: 'attn_norm' | 'cross_attn_norm' | 'ffn_norm' | 'final_norm'): Value {
    return rmsNorm(x, this.w.get(stack, layer, part).value, this.spec.normEps)
  }

  /** Cross-attention keys/values of decoder layer l from the encoder output; sites see the encoder's mask. */
  crossKeysValues(layer: number, encoded: Value, encoderMask: Value): KeysValues {
    return this.keysValues('decoder', layer, { layer, stack: 'decoder', attention: 'cross', tokenMask: encoderMask }, encoded, true)
  }

  /** The head's weight and its input from the final hidden states (scaled by d_model^-0.5 when tied). */
  head(): { weight: BoundWeight; input: (final: Value) => Value } {
    const { spec, w } = this
    if (spec.tieWordEmbeddings) return { weight: w.get('decoder', null, 'embed_tokens'), input: (final) => F.mul(final, spec.hiddenSize ** -0.5) }
    return { weight: w.get('decoder', null, 'lm_head'), input: (final) => final }
  }

  logits(final: Value): Value {
    const head = this.head()
    return projectToVocab(head.input(final), head.weight)
  }
}

/** forward: encoder + decoder over whole sequences; cached: one decoder step over a KV cache. */
export function buildT5(spec: T5Spec, checkpoint: CheckpointWeights, options: ModelBuildOptions = {}, g = new Graph()): ModelBuild {
  const mode = options.mode ?? 'forward'
  if (options.packed) throw new Error('an encoder-decoder model (T5) cannot pack several examples into one row: set data.packing: false')
  const parts = new T5Parts(spec, new GraphWeights(g, checkpoint, options.weightPieceElements), options.hooks ?? NO_ADAPTER)
  const { w } = parts

  let encoderMask: Value
  let cross: (layer: number) => KeysValues
  if (mode === 'forward') {
    const ids = g.input('input_ids', 'int64', ['batch', 'src'])
    encoderMask = g.input('attention_mask', 'int64', ['batch', 'src'])
    const encoded = parts.encode(ids, encoderMask)
    cross = (layer) => parts.crossKeysValues(layer, encoded, encoderMask)
  } else {
    // One encoder output for every row when they continue one past (scoring a prompt's choices).
    const batch = options.sharedPast ? 1 : 'batch'
    encoderMask = g.input('encoder_attention_mask', 'int64', [batch, 'src'])
    const given = Array.from({ length: spec.numDecoderLayers }, (_, l) => ({
      key: g.input(crossNames(l).key, 'float32', [batch, spec.numHeads, 'src', spec.headDim]),
      value: g.input(crossNames(l).value, 'float32', [batch, spec.numHeads, 'src', spec.headDim]),
    }))
    cross = (layer) => given[layer]
  }

  const inputs = declareDecoderInputs(g, {
    mode, layers: spec.numDecoderLayers, kvHeads: spec.numHeads, headDim: spec.headDim, window: null, needKeyPositions: true, sharedPast: options.sharedPast,
    forwardNames: { ids: 'decoder_input_ids', mask: 'decoder_attention_mask', seq: 'tgt' },
  })
  const selfBias = F.add(
    relativePositionBias(w.get('decoder', null, 'relative_attention_bias').value, inputs.queryPositions, inputs.keyPositions!, { ...spec.relativeAttention, bidirectional: false }),
    inputs.bias,
  ) // [B, H, T, K]
  const crossBias = visibilityBias({ keyMask: encoderMask }) // [B, 1, 1, S]

  let y = embedRows(inputs.ids, w.get('decoder', null, 'embed_tokens')) // [B, T, d]
  for (let layer = 0; layer < spec.numDecoderLayers; layer++) {
    y = g.block(`decoder.${layer}`, () => {
      const at: SiteLocation = { layer, stack: 'decoder', attention: 'self', ...(inputs.tokenMask ? { tokenMask: inputs.tokenMask } : {}) }
      const h = parts.norm(y, 'decoder', layer, 'attn_norm')
      const fresh = parts.keysValues('decoder', layer, at, h, false)
      const kv = inputs.keysValues(layer, fresh.key, fresh.value)
      const afterSelf = F.add(y, parts.attend('decoder', layer, at, h, kv, selfBias, false))
      const crossAt: SiteLocation = { ...at, attention: 'cross' }
      const hc = parts.norm(afterSelf, 'decoder', layer, 'cross_attn_norm')
      const afterCross = F.add(afterSelf, parts.attend('decoder', layer, crossAt, hc, cross(layer), crossBias, true))
      const { attention: _attention, ...ffnAt } = at
      return F.add(afterCross, parts.feedForward('decoder', layer, ffnAt, afterCross))
    })
  }
  const final = parts.norm(y, 'decoder', null, 'final_norm') // [B, T, d]
  if (mode === 'cached') {
    return { graph: g, values: declareCachedOutputs(g, final, (h) => parts.logits(h), options.labels ?? false), present: inputs.present }
  }
  const head = parts.head()
  return { graph: g, values: forwardOutputs(g, head.input(final), head.weight, 'tgt', options), present: [] }
}

/** Generation's first graph: input_ids / attention_mask [batch, src] -> cross.{l}.key/value [batch, heads, src, d_kv]. */
export function buildT5Encoder(spec: T5Spec, checkpoint: CheckpointWeights, options: Pick<ModelBuildOptions, 'hooks'> = {}, g = new Graph()): Graph {
  const parts = new T5Parts(spec, new GraphWeights(g, checkpoint), options.hooks ?? NO_ADAPTER)
  const ids = g.input('input_ids', 'int64', ['batch', 'src'])
  const mask = g.input('attention_mask', 'int64', ['batch', 'src'])
  const encoded = parts.encode(ids, mask)
  for (let layer = 0; layer < spec.numDecoderLayers; layer++) {
    const kv = parts.crossKeysValues(layer, encoded, mask)
    g.output(crossNames(layer).key, F.cast(kv.key, 'float32'))
    g.output(crossNames(layer).value, F.cast(kv.value, 'float32'))
  }
  return g
}
