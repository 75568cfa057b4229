// The Llama family decoder (llama, mistral, qwen2, qwen3), after transformers' modeling_llama /
// modeling_qwen2 / modeling_qwen3:
//   x = embed(ids)
//   per layer: h = RMSNorm(x); q, k, v = Linear(h) (+ bias); qwen3: RMSNorm over head_dim of q, k;
//              RoPE on q, k; causal attention over grouped KV heads (+ Mistral's sliding window)
//              x += o(attn);  x += down(silu(gate(RMSNorm(x))) ⊙ up(RMSNorm(x)))
//   logits = lm_head(RMSNorm(x))   (embed_tokens when tied)
import { F, Graph, type Value } from '../ir'
import { applyRotary, rmsNorm, rotaryForPositions, silu } from '../nn'
import { NO_ADAPTER } from '../adapters/sites'
import type { LlamaFamilySpec } from './spec'
import { groupedAttention } from './attention'
import { declareDecoderInputs } from './decoder-inputs'
import { defaultMaxPositions, parentModule } from './common'
import { adaptedProjection, embedRows, headsFirst, mergeHeads, projectToVocab, splitHeads, type SiteLocation } from './layers'
import { declareCachedOutputs, forwardOutputs } from './outputs'
import { ropeTables } from './rope'
import type { ModelBuild, ModelBuildOptions } from './types'
import { GraphWeights, type CheckpointWeights } from './weights'

export function buildLlama(spec: LlamaFamilySpec, checkpoint: CheckpointWeights, options: ModelBuildOptions = {}, g = new Graph()): ModelBuild {
  const hooks = options.hooks ?? NO_ADAPTER
  const mode = options.mode ?? 'forward'
  const w = new GraphWeights(g, checkpoint, options.weightPieceElements)
  const { numHeads: heads, numKvHeads: kvHeads, headDim } = spec
  const inputs = declareDecoderInputs(g, { mode, layers: spec.numLayers, kvHeads, headDim, window: spec.slidingWindow, packed: options.packed, sharedPast: options.sharedPast })
  const rope = rotaryForPositions(ropeTables(g, headDim, options.maxPositions ?? defaultMaxPositions(spec.contextLength), spec.rope), inputs.queryPositions)

  let x = embedRows(inputs.ids, w.get('decoder', null, 'embed_tokens')) // [B, T, d]
  for (let layer = 0; layer < spec.numLayers; layer++) {
    x = g.block(`layers.${layer}`, () => decoderLayer(x, layer))
  }
  const final = rmsNorm(x, w.get('decoder', null, 'final_norm').value, spec.normEps) // [B, T, d]
  const head = spec.tieWordEmbeddings ? w.get('decoder', null, 'embed_tokens') : w.get('decoder', null, 'lm_head')
  if (mode === 'cached') {
    return { graph: g, values: declareCachedOutputs(g, final, (h) => projectToVocab(h, head), options.labels ?? false), present: inputs.present }
  }
  return { graph: g, values: forwardOutputs(g, final, head, 'seq', options), present: [] }

  function decoderLayer(input: Value, layer: number): Value {
    const at: SiteLocation = { layer, stack: 'decoder', ...(inputs.tokenMask ? { tokenMask: inputs.tokenMask } : {}) }
    const h = rmsNorm(input, w.get('decoder', layer, 'attn_norm').value, spec.normEps)
    const attended = selfAttention(h, layer, at) // [B, T, H·Dh]
    const o = adaptedProjection(hooks, at, 'o', attended, w.get('decoder', layer, 'o'), w.find('decoder', layer, 'o', 'bias'))
    const afterAttention = F.add(input, o)

    const h2 = rmsNorm(afterAttention, w.get('decoder', layer, 'ffn_norm').value, spec.normEps)
    const gateW = w.get('decoder', layer, 'gate')
    const gate = adaptedProjection(hooks, at, 'gate', h2, gateW, w.find('decoder', layer, 'gate', 'bias')) // [B, T, ff]
    const up = adaptedProjection(hooks, at, 'up', h2, w.get('decoder', layer, 'up'), w.find('decoder', layer, 'up', 'bias'))
    const activated = hooks.activation({ ...at, kind: 'ffn', module: parentModule(gateW.module) }, silu(gate)) // [B, T, ff]
    const down = adaptedProjection(hooks, at, 'down', F.mul(activated, up), w.get('decoder', layer, 'down'), w.find('decoder', layer, 'down', 'bias'))
    return F.add(afterAttention, down)
  }

  function selfAttention(h: Value, layer: number, at: SiteLocation): Value {
    const project = (part: 'q' | 'k' | 'v') => {
      const weight = w.get('decoder', layer, part)
      return { weight, y: adaptedProjection(hooks, at, part, h, weight, w.find('decoder', layer, part, 'bias')) }
    }
    const q = project('q')
    const k = project('k')
    const v = project('v')
    let qh = splitHeads(q.y, heads, headDim) // [B, T, H, Dh]
    // (IA)³/MoV sites: per KV head, after the bias, before the q/k norm and RoPE.
    let kh = hooks.activation({ ...at, kind: 'keys', module: k.weight.module }, splitHeads(k.y, kvHeads, headDim)) // [B, T, KV, Dh]
    const vh = hooks.activation({ ...at, kind: 'values', module: v.weight.module }, splitHeads(v.y, kvHeads, headDim))
    if (spec.qkNorm) {
      qh = rmsNorm(qh, w.get('decoder', layer, 'q_norm').value, spec.normEps)
      kh = rmsNorm(kh, w.get('decoder', layer, 'k_norm').value, spec.normEps)
    }
    const qr = applyRotary(headsFirst(qh), rope.cos, rope.sin) // [B, H, T, Dh]
    const kr = applyRotary(headsFirst(kh), rope.cos, rope.sin) // [B, KV, T, Dh]
    const kv = inputs.keysValues(layer, kr, headsFirst(vh)) // [B, KV, K, Dh]
    const out = groupedAttention(qr, kv.key, kv.value, inputs.bias, { heads, kvHeads, scale: 1 / Math.sqrt(headDim) })
    return mergeHeads(out) // [B, T, H·Dh]
  }
}
