// config.json of Gemma 3's text models (model_type gemma3_text: gemma-3-270m, gemma-3-1b and their
// -it versions). They are Llama-family decoders with Gemma's switches: the embedding scaled by √d,
// RMSNorm by 1 + w, a norm after each block's attention and FFN as well as before, gated GELU,
// q/k norms, scores scaled by 1/√query_pre_attn_scalar, and a sliding window on five layers of six,
// whose RoPE has its own base (rope_local_base_freq). Defaults are Gemma3TextConfig's, except the
// head counts and head_dim, which we require rather than take from one checkpoint's defaults.
import { z } from 'zod'
import { configError, declaredDTypeFields, eosList, parseFields, positiveInt, positiveNumber, tokenId, tokenIds } from './fields'
import { parseRope, ropeScalingSchema } from './rope'
import type { LlamaFamilySpec, RopeSpec } from '../../engine/models/spec'

const LAYER_TYPES = ['sliding_attention', 'full_attention'] as const

const gemma3Schema = z.object({
  vocab_size: positiveInt,
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt,
  head_dim: positiveInt,
  hidden_activation: z.string().nullish(),
  hidden_act: z.string().nullish(),
  rms_norm_eps: positiveNumber.default(1e-6),
  rope_theta: positiveNumber.default(1_000_000),
  rope_local_base_freq: positiveNumber.default(10_000),
  rope_scaling: ropeScalingSchema.nullish(),
  // transformers 5 writes both RoPEs here, keyed by layer type.
  rope_parameters: z.looseObject({ full_attention: ropeScalingSchema.optional(), sliding_attention: ropeScalingSchema.optional() }).nullish(),
  max_position_embeddings: positiveInt.default(131_072),
  tie_word_embeddings: z.boolean().default(true),
  attention_bias: z.boolean().default(false),
  query_pre_attn_scalar: positiveNumber.default(256),
  sliding_window: positiveInt.default(4096),
  sliding_window_pattern: positiveInt.nullish(),
  // transformers ≥ 4.53 saves the pattern under this name (beside layer_types).
  _sliding_window_pattern: positiveInt.nullish(),
  layer_types: z.array(z.enum(LAYER_TYPES)).nullish(),
  final_logit_softcapping: z.number().nullish(),
  attn_logit_softcapping: z.number().nullish(),
  use_bidirectional_attention: z.boolean().nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds.nullish(),
  pad_token_id: tokenId.nullish(),
  ...declaredDTypeFields,
})

/** The tanh approximation of GELU, under both of HF's names for it. */
const TANH_GELU = ['gelu_pytorch_tanh', 'gelu_new']

export function parseGemma3TextConfig(raw: Record<string, unknown>, file: string): LlamaFamilySpec {
  const f = parseFields(gemma3Schema, raw, file, 'gemma3_text')
  const act = f.hidden_activation ?? f.hidden_act ?? 'gelu_pytorch_tanh'
  if (!TANH_GELU.includes(act)) throw configError(file, 'hidden_activation', `"${act}" is not supported for gemma3_text (supported: gelu_pytorch_tanh)`)
  // Gemma 2's soft caps; every Gemma 3 checkpoint has them null.
  for (const key of ['final_logit_softcapping', 'attn_logit_softcapping'] as const) {
    if (f[key] != null) throw configError(file, key, `${f[key]} is not supported (Gemma 3 checkpoints have null here)`)
  }
  if (f.use_bidirectional_attention) throw configError(file, 'use_bidirectional_attention', 'bidirectional attention (EmbeddingGemma) is not supported: we train causal language models')
  if (f.num_attention_heads % f.num_key_value_heads !== 0) {
    throw configError(file, 'num_key_value_heads', `${f.num_key_value_heads} does not divide num_attention_heads (${f.num_attention_heads})`)
  }
  if (f.head_dim % 2 !== 0) throw configError(file, 'head_dim', `${f.head_dim} is odd; rotary embeddings need an even head size`)
  const slidingLayers = layerTypes(f, file).map((type) => type === 'sliding_attention')
  const { global, local } = ropes(f, file)
  return {
    family: 'llama',
    modelType: 'gemma3_text',
    vocabSize: f.vocab_size,
    hiddenSize: f.hidden_size,
    numLayers: f.num_hidden_layers,
    numHeads: f.num_attention_heads,
    numKvHeads: f.num_key_value_heads,
    headDim: f.head_dim,
    intermediateSize: f.intermediate_size,
    norm: 'rmsnorm',
    normEps: f.rms_norm_eps,
    activation: 'gelu_pytorch_tanh',
    tieWordEmbeddings: f.tie_word_embeddings,
    bias: { qkv: f.attention_bias, o: f.attention_bias, mlp: false },
    contextLength: f.max_position_embeddings,
    tokens: { bos: f.bos_token_id ?? 2, eos: f.eos_token_id == null ? [1] : eosList(f.eos_token_id), pad: f.pad_token_id ?? 0 },
    declaredDType: f.dtype ?? f.torch_dtype ?? null,
    rope: global,
    ropeLayers: null,
    qkNorm: true,
    slidingWindow: slidingLayers.some(Boolean) ? f.sliding_window : null,
    slidingLayers: slidingLayers.some(Boolean) ? slidingLayers : null,
    localRope: local,
    // Exact, as transformers computes it for float32 weights (for bf16 ones it rounds √d to bf16).
    embeddingScale: Math.sqrt(f.hidden_size),
    normWeightOffset: 1,
    sandwichNorms: true,
    attentionScale: 1 / Math.sqrt(f.query_pre_attn_scalar),
  }
}

type Gemma3Fields = z.output<typeof gemma3Schema>

/** layer_types when given; else, as transformers derives it, every sliding_window_pattern-th layer is global. */
function layerTypes(f: Gemma3Fields, file: string): (typeof LAYER_TYPES)[number][] {
  if (f.layer_types) {
    if (f.layer_types.length !== f.num_hidden_layers) {
      throw configError(file, 'layer_types', `names ${f.layer_types.length} layers, num_hidden_layers is ${f.num_hidden_layers}`)
    }
    return f.layer_types
  }
  const pattern = f.sliding_window_pattern ?? f._sliding_window_pattern ?? 6
  return Array.from({ length: f.num_hidden_layers }, (_, i) => ((i + 1) % pattern === 0 ? 'full_attention' : 'sliding_attention'))
}

/** The global layers' RoPE (rope_theta, rope_scaling) and the sliding layers' (rope_local_base_freq, unscaled). */
function ropes(f: Gemma3Fields, file: string): { global: RopeSpec; local: RopeSpec } {
  const byType = f.rope_parameters
  if (byType && (byType.full_attention || byType.sliding_attention)) {
    const global = byType.full_attention
      ? parseRope(file, { rope_parameters: { rope_theta: f.rope_theta, ...byType.full_attention } }, 'rope_parameters.full_attention')
      : { theta: f.rope_theta, scaling: { type: 'none' as const } }
    const local = byType.sliding_attention
      ? parseRope(file, { rope_parameters: { rope_theta: f.rope_local_base_freq, ...byType.sliding_attention } }, 'rope_parameters.sliding_attention')
      : { theta: f.rope_local_base_freq, scaling: { type: 'none' as const } }
    return { global, local }
  }
  return {
    // A flat rope_parameters (the other models' transformers 5 spelling) is the global layers'.
    global: parseRope(file, { rope_theta: f.rope_theta, rope_scaling: f.rope_scaling, rope_parameters: byType ?? null }),
    local: { theta: f.rope_local_base_freq, scaling: { type: 'none' } },
  }
}
