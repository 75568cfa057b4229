// The Llama family decoder (llama, mistral, qwen2, qwen3, smollm3, gemma3_text), after transformers'
// modeling_llama / modeling_qwen2 / modeling_qwen3 / modular_smollm3 / modeling_gemma3:
//   x = embed(ids)   (Gemma: ·√d)
//   per layer: h = RMSNorm(x); q, k, v = Linear(h) (+ bias); qwen3, gemma: RMSNorm over head_dim of q, k;
//              RoPE on q, k (SmolLM3: not on its NoPE layers); causal attention over grouped KV
//              heads (+ a sliding window: Mistral on every layer, Gemma 3 on five of six, with its
//              own RoPE base there)
//              x += o(attn);  x += down(act(gate(RMSNorm(x))) ⊙ up(RMSNorm(x)))   (act: silu; Gemma: gelu_tanh)
//              Gemma 3: o(attn) and down(...) are normed once more before each residual add
//   logits = lm_head(RMSNorm(x))   (embed_tokens when tied)
// Gemma's RMSNorm multiplies by 1 + w (spec.normWeightOffset).
import { F, Graph, type Value } from '../ir'
import { applyRotary, geluTanh, rmsNorm, rotaryForPositions, silu } from '../nn'
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
  const inputs = declareDecoderInputs(g, {
    mode, layers: spec.numLayers, kvHeads, headDim, window: spec.slidingWindow, windowLayers: spec.slidingLayers,
    packed: options.packed, sharedPast: options.sharedPast,
  })
  const maxPositions = options.maxPositions ?? defaultMaxPositions(spec.contextLength)
  const rope = rotaryForPositions(ropeTables(g, headDim, maxPositions, spec.rope), inputs.queryPositions)
  const slides = (layer: number) => spec.slidingWindow !== null && (spec.slidingLayers === null || spec.slidingLayers[layer])
  const localRope = spec.localRope && spec.slidingLayers?.some(Boolean) ? rotaryForPositions(ropeTables(g, headDim, maxPositions, spec.localRope), inputs.queryPositions) : rope
  const activate = spec.activation === 'silu' ? silu : geluTanh
  /** RMSNorm by a stored weight: Gemma's is an offset from 1 (added in float32, as HF does). */
  const norm = (value: Value, layer: number | null, part: 'attn_norm' | 'attn_post_norm' | 'ffn_norm' | 'ffn_post_norm' | 'q_norm' | 'k_norm' | 'final_norm') => {
    const weight = w.get('decoder', layer, part).value
    return rmsNorm(value, spec.normWeightOffset ? F.add(F.cast(weight, 'float32'), spec.normWeightOffset) : weight, spec.normEps)
  }

  const embedded = embedRows(inputs.ids, w.get('decoder', null, 'embed_tokens')) // [B, T, d]
  let x = spec.embeddingScale === null ? embedded : F.mul(embedded, spec.embeddingScale)
  for (let layer = 0; layer < spec.numLayers; layer++) {
    x = g.block(`layers.${layer}`, () => decoderLayer(x, layer))
  }
  const final = norm(x, null, 'final_norm') // [B, T, d]
  const head = spec.tieWordEmbeddings ? w.get('decoder', null, 'embed_tokens') : w.get('decoder', null, 'lm_head')
  if (mode === 'cached') {
    return { graph: g, values: declareCachedOutputs(g, final, (h) => projectToVocab(h, head), options.labels ?? false), present: inputs.present }
  }
  return { graph: g, values: forwardOutputs(g, final, head, 'seq', options), present: [] }

  function decoderLayer(input: Value, layer: number): Value {
    const at: SiteLocation = { layer, stack: 'decoder', ...(inputs.tokenMask ? { tokenMask: inputs.tokenMask } : {}) }
    const h = norm(input, layer, 'attn_norm')
    const attended = selfAttention(h, layer, at) // [B, T, H·Dh]
    const o = adaptedProjection(hooks, at, 'o', attended, w.get('decoder', layer, 'o'), w.find('decoder', layer, 'o', 'bias'))
    const afterAttention = F.add(input, spec.sandwichNorms ? norm(o, layer, 'attn_post_norm') : o)

    const h2 = norm(afterAttention, layer, 'ffn_norm')
    const gateW = w.get('decoder', layer, 'gate')
    const gate = adaptedProjection(hooks, at, 'gate', h2, gateW, w.find('decoder', layer, 'gate', 'bias')) // [B, T, ff]
    const up = adaptedProjection(hooks, at, 'up', h2, w.get('decoder', layer, 'up'), w.find('decoder', layer, 'up', 'bias'))
    const activated = hooks.activation({ ...at, kind: 'ffn', module: parentModule(gateW.module) }, activate(gate)) // [B, T, ff]
    const down = adaptedProjection(hooks, at, 'down', F.mul(activated, up), w.get('decoder', layer, 'down'), w.find('decoder', layer, 'down', 'bias'))
    return F.add(afterAttention, spec.sandwichNorms ? norm(down, layer, 'ffn_post_norm') : down)
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
      qh = norm(qh, layer, 'q_norm')
      kh = norm(kh, layer, 'k_norm')
    }
    const { cos, sin } = slides(layer) ? localRope : rope
    // SmolLM3's NoPE layers attend without positions: causality alone orders them.
    const positional = spec.ropeLayers === null || spec.ropeLayers[layer]
    const qr = positional ? applyRotary(headsFirst(qh), cos, sin) : headsFirst(qh) // [B, H, T, Dh]
    const kr = positional ? applyRotary(headsFirst(kh), cos, sin) : headsFirst(kh) // [B, KV, T, Dh]
    const kv = inputs.keysValues(layer, kr, headsFirst(vh)) // [B, KV, K, Dh]
    const out = groupedAttention(qr, kv.key, kv.value, inputs.layerBias(layer), { heads, kvHeads, scale: spec.attentionScale })
    return mergeHeads(out) // [B, T, H·Dh]
  }
}
