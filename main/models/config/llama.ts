// config.json of the Llama family: llama, mistral, qwen2, qwen3, smollm3. They share one decoder
// (RMSNorm, RoPE, grouped KV heads, SwiGLU) and differ in a few switches, set here per model type.
// Defaults are those of the transformers config classes; where a class default is a number tied to
// one 7B checkpoint (num_key_value_heads for mistral/qwen, head_dim for qwen3) we require the field
// instead of guessing.
import { z } from 'zod'
import { configError, declaredDTypeFields, eosList, parseFields, positiveInt, positiveNumber, tokenId, tokenIds } from './fields'
import { parseRope, ropeScalingSchema } from './rope'
import type { LlamaFamilySpec } from '../../engine/models/spec'

type LlamaModelType = Exclude<LlamaFamilySpec['modelType'], 'gemma3_text'>

const llamaSchema = z.object({
  vocab_size: positiveInt,
  hidden_size: positiveInt,
  intermediate_size: positiveInt,
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  hidden_act: z.string().default('silu'),
  rms_norm_eps: positiveNumber.default(1e-6),
  rope_theta: positiveNumber.optional(),
  rope_scaling: ropeScalingSchema.nullish(),
  rope_parameters: ropeScalingSchema.nullish(),
  max_position_embeddings: positiveInt.nullish(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  sliding_window: positiveInt.nullish(),
  use_sliding_window: z.boolean().default(false),
  // SmolLM3: 1 where a layer applies RoPE, 0 where it is NoPE; else every no_rope_layer_interval-th is NoPE.
  no_rope_layers: z.array(z.union([z.literal(0), z.literal(1)])).nullish(),
  no_rope_layer_interval: positiveInt.nullish(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds.nullish(),
  pad_token_id: tokenId.nullish(),
  ...declaredDTypeFields,
})
type LlamaFields = z.output<typeof llamaSchema>

/** What differs between the model types of the family. */
interface Variant {
  /** Fields the HF class defaults to a checkpoint-specific number: we require them. */
  required: (keyof LlamaFields)[]
  bias: (f: LlamaFields) => LlamaFamilySpec['bias']
  qkNorm: boolean
  slidingWindow: (f: LlamaFields, file: string, raw: Record<string, unknown>) => number | null
  /** HF class default for max_position_embeddings. */
  defaultContext: number
  /** HF class default for tie_word_embeddings (PretrainedConfig's is true; LlamaConfig and others set false). */
  defaultTied: boolean
  /** HF class default for rope_theta (absent: 10000, as every other class of the family). */
  defaultRopeTheta?: number
  ropeLayers: (f: LlamaFields, file: string) => boolean[] | null
}

const noSlidingWindow = () => null
const ropeEverywhere = () => null

const VARIANTS: Record<LlamaModelType, Variant> = {
  llama: {
    required: [],
    bias: (f) => ({ qkv: f.attention_bias, o: f.attention_bias, mlp: f.mlp_bias }),
    qkNorm: false,
    slidingWindow: noSlidingWindow,
    defaultContext: 2048,
    defaultTied: false,
    ropeLayers: ropeEverywhere,
  },
  mistral: {
    required: ['num_key_value_heads'],
    bias: () => ({ qkv: false, o: false, mlp: false }),
    qkNorm: false,
    // MistralConfig defaults sliding_window to 4096 when the key is absent; null disables it.
    slidingWindow: (f, _file, raw) => ('sliding_window' in raw ? (f.sliding_window ?? null) : 4096),
    defaultContext: 4096 * 32,
    defaultTied: false,
    ropeLayers: ropeEverywhere,
  },
  qwen2: {
    required: ['num_key_value_heads'],
    // Qwen2 always has q/k/v biases and none on o_proj or the MLP.
    bias: () => ({ qkv: true, o: false, mlp: false }),
    qkNorm: false,
    slidingWindow: rejectQwenSlidingWindow,
    defaultContext: 32768,
    defaultTied: false,
    ropeLayers: ropeEverywhere,
  },
  qwen3: {
    required: ['num_key_value_heads', 'head_dim'],
    bias: (f) => ({ qkv: f.attention_bias, o: f.attention_bias, mlp: false }),
    qkNorm: true,
    slidingWindow: rejectQwenSlidingWindow,
    defaultContext: 32768,
    defaultTied: false,
    ropeLayers: ropeEverywhere,
  },
  // SmolLM3: Llama with a NoPE layer every fourth (no_rope_layers) and PretrainedConfig's tied head.
  smollm3: {
    required: ['num_key_value_heads'],
    bias: (f) => ({ qkv: f.attention_bias, o: f.attention_bias, mlp: f.mlp_bias }),
    qkNorm: false,
    slidingWindow: (f, file) => {
      if (f.use_sliding_window) throw configError(file, 'use_sliding_window', 'sliding-window attention is not supported for SmolLM3; set it to false')
      return null
    },
    defaultContext: 32768,
    defaultTied: true,
    defaultRopeTheta: 2_000_000,
    ropeLayers: (f, file) => {
      if (f.no_rope_layers) {
        if (f.no_rope_layers.length < f.num_hidden_layers) {
          throw configError(file, 'no_rope_layers', `names ${f.no_rope_layers.length} layers, num_hidden_layers is ${f.num_hidden_layers}`)
        }
        return f.no_rope_layers.slice(0, f.num_hidden_layers).map((rope) => rope === 1)
      }
      const interval = f.no_rope_layer_interval ?? 4
      return Array.from({ length: f.num_hidden_layers }, (_, i) => (i + 1) % interval !== 0)
    },
  },
}

function rejectQwenSlidingWindow(f: LlamaFields, file: string): null {
  // Qwen's sliding window applies only to layers past max_window_layers; no released Qwen2/Qwen3
  // checkpoint turns it on, and we do not build it.
  if (f.use_sliding_window) throw configError(file, 'use_sliding_window', 'sliding-window attention is not supported for Qwen models; set it to false')
  return null
}

export function parseLlamaFamilyConfig(modelType: LlamaModelType, raw: Record<string, unknown>, file: string): LlamaFamilySpec {
  const f = parseFields(llamaSchema, raw, file, `${modelType}`)
  const variant = VARIANTS[modelType]
  for (const key of variant.required) {
    if (f[key] === undefined || f[key] === null) throw configError(file, key, `missing (required for ${modelType} models)`)
  }
  if (f.hidden_act !== 'silu') throw configError(file, 'hidden_act', `"${f.hidden_act}" is not supported for ${modelType} (supported: silu)`)
  const numHeads = f.num_attention_heads
  const numKvHeads = f.num_key_value_heads ?? numHeads
  if (numHeads % numKvHeads !== 0) {
    throw configError(file, 'num_key_value_heads', `${numKvHeads} does not divide num_attention_heads (${numHeads})`)
  }
  if (f.head_dim == null && f.hidden_size % numHeads !== 0) {
    throw configError(file, 'num_attention_heads', `${numHeads} does not divide hidden_size (${f.hidden_size}) and no head_dim is given`)
  }
  const headDim = f.head_dim ?? f.hidden_size / numHeads
  if (headDim % 2 !== 0) throw configError(file, 'head_dim', `${headDim} is odd; rotary embeddings need an even head size`)
  return {
    family: 'llama',
    modelType,
    vocabSize: f.vocab_size,
    hiddenSize: f.hidden_size,
    numLayers: f.num_hidden_layers,
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: f.intermediate_size,
    norm: 'rmsnorm',
    normEps: f.rms_norm_eps,
    activation: 'silu',
    tieWordEmbeddings: f.tie_word_embeddings ?? variant.defaultTied,
    bias: variant.bias(f),
    contextLength: f.max_position_embeddings ?? variant.defaultContext,
    tokens: { bos: f.bos_token_id ?? null, eos: eosList(f.eos_token_id), pad: f.pad_token_id ?? null },
    declaredDType: f.dtype ?? f.torch_dtype ?? null,
    rope: parseRope(file, { ...f, rope_theta: f.rope_theta ?? variant.defaultRopeTheta }),
    ropeLayers: variant.ropeLayers(f, file),
    qkNorm: variant.qkNorm,
    slidingWindow: variant.slidingWindow(f, file, raw),
    slidingLayers: null,
    localRope: null,
    embeddingScale: null,
    normWeightOffset: 0,
    sandwichNorms: false,
    attentionScale: 1 / Math.sqrt(headDim),
  }
}
