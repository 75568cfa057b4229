// GPT-2, after transformers' modeling_gpt2:
//   x = wte(ids) + wpe(positions)
//   per layer: h = LayerNorm(x); [q|k|v] = h·c_attn (Conv1D, weight [in, out]); causal attention,
//              scores/√head_dim (and /(layer+1) with scale_attn_by_inverse_layer_idx)
//              x += c_proj(attn);  x += mlp.c_proj(act(mlp.c_fc(LayerNorm(x))))
//   logits = LayerNorm_f(x)·wteᵀ   (lm_head when untied)
import { F, Graph, type Value } from '../ir'
import { embedding, layerNorm } from '../nn'
import { NO_ADAPTER } from '../adapters/sites'
import type { Gpt2Spec } from './spec'
import { groupedAttention } from './attention'
import { hfActivation, parentModule } from './common'
import { declareDecoderInputs } from './decoder-inputs'
import { adaptedProjection, embedRows, headsFirst, mergeHeads, projectToVocab, splitHeads, type SiteLocation } from './layers'
import { declareCachedOutputs, forwardOutputs } from './outputs'
import type { ModelBuild, ModelBuildOptions } from './types'
import { GraphWeights, type CheckpointWeights } from './weights'

export function buildGpt2(spec: Gpt2Spec, checkpoint: CheckpointWeights, options: ModelBuildOptions = {}, g = new Graph()): ModelBuild {
  const hooks = options.hooks ?? NO_ADAPTER
  const mode = options.mode ?? 'forward'
  const w = new GraphWeights(g, checkpoint, options.weightPieceElements)
  const { numHeads: heads, headDim, hiddenSize: d } = spec
  const inputs = declareDecoderInputs(g, { mode, layers: spec.numLayers, kvHeads: heads, headDim, window: null, packed: options.packed, sharedPast: options.sharedPast })
  const norm = (x: Value, layer: number | null, part: 'attn_norm' | 'ffn_norm' | 'final_norm') =>
    layerNorm(x, w.get('decoder', layer, part).value, w.get('decoder', layer, part, 'bias').value, spec.normEps)

  const tokens = embedRows(inputs.ids, w.get('decoder', null, 'embed_tokens')) // [B, T, d]
  let x = F.add(tokens, embedding(inputs.queryPositions, w.get('decoder', null, 'embed_positions').value)) // [B, T, d]
  for (let layer = 0; layer < spec.numLayers; layer++) {
    x = g.block(`h.${layer}`, () => block(x, layer))
  }
  const final = norm(x, null, 'final_norm') // [B, T, d]
  const head = spec.tieWordEmbeddings ? w.get('decoder', null, 'embed_tokens') : w.get('decoder', null, 'lm_head')
  if (mode === 'cached') {
    return { graph: g, values: declareCachedOutputs(g, final, (h) => projectToVocab(h, head), options.labels ?? false), present: inputs.present }
  }
  return { graph: g, values: forwardOutputs(g, final, head, 'seq', options), present: [] }

  function block(input: Value, layer: number): Value {
    const at: SiteLocation = { layer, stack: 'decoder', ...(inputs.tokenMask ? { tokenMask: inputs.tokenMask } : {}) }
    const qkvW = w.get('decoder', layer, 'qkv')
    const qkv = adaptedProjection(hooks, at, 'c_attn', norm(input, layer, 'attn_norm'), qkvW, w.get('decoder', layer, 'qkv', 'bias')) // [B, T, 3d]
    const q = splitHeads(F.slice(qkv, -1, 0, d), heads, headDim) // [B, T, H, Dh]
    // Keys and values are parts of one fused projection; their sites are named "<c_attn>.k" / ".v".
    const k = hooks.activation({ ...at, kind: 'keys', module: `${qkvW.module}.k` }, splitHeads(F.slice(qkv, -1, d, 2 * d), heads, headDim))
    const v = hooks.activation({ ...at, kind: 'values', module: `${qkvW.module}.v` }, splitHeads(F.slice(qkv, -1, 2 * d, 3 * d), heads, headDim))
    const kv = inputs.keysValues(layer, headsFirst(k), headsFirst(v)) // [B, H, K, Dh]
    const scale = (spec.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1) / (spec.scaleAttnByInverseLayerIdx ? layer + 1 : 1)
    const attended = mergeHeads(groupedAttention(headsFirst(q), kv.key, kv.value, inputs.bias, { heads, kvHeads: heads, scale })) // [B, T, d]
    const o = adaptedProjection(hooks, at, 'c_proj', attended, w.get('decoder', layer, 'o'), w.get('decoder', layer, 'o', 'bias'))
    const afterAttention = F.add(input, o)

    const upW = w.get('decoder', layer, 'up')
    const hidden = adaptedProjection(hooks, at, 'c_fc', norm(afterAttention, layer, 'ffn_norm'), upW, w.get('decoder', layer, 'up', 'bias')) // [B, T, ff]
    const activated = hooks.activation({ ...at, kind: 'ffn', module: parentModule(upW.module) }, hfActivation(spec.activation, hidden))
    const down = adaptedProjection(hooks, at, 'mlp_c_proj', activated, w.get('decoder', layer, 'down'), w.get('decoder', layer, 'down', 'bias'))
    return F.add(afterAttention, down)
  }
}
