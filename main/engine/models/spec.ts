// The normalized description of a model that the rest of the studio works from. HF configs spell
// the same thing many ways (n_embd / hidden_size / d_model; eos as a number or a list; rope
// settings in rope_scaling or rope_parameters); a ModelSpec spells it once.
// It is the engine's: its model builders take one; main/models/config parses a config.json into it.

/** The `model_type` values we can build. */
export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5'] as const
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number]

/** For a model type we do not train that has a sibling we do, one sentence naming it; else null. */
export function trainableSibling(modelType: string): string | null {
  // Gemma 3 4B and larger are image-and-text checkpoints; the text-only sizes are another model_type.
  if (modelType === 'gemma3') return 'Of Gemma 3 we train the text-only sizes, gemma-3-270m and gemma-3-1b (model_type gemma3_text).'
  return null
}

/** Model types that share one builder: Llama-style decoders, GPT-2, T5 encoder-decoders. */
export type ArchFamily = 'llama' | 'gpt2' | 't5'

/**
 * The FFN activation, named as HF's ACT2FN names it.
 * `gelu_new` and `gelu_pytorch_tanh` are the same tanh approximation; `gelu` is the exact erf form.
 */
export type Activation = 'silu' | 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu' | 'relu'

/** `rmsnorm`: x·w/√(mean x² + eps) (Llama, and T5's "LayerNorm"); `layernorm`: with mean and bias (GPT-2). */
export type NormKind = 'rmsnorm' | 'layernorm'

/** How rotary frequencies are rescaled for long contexts (HF `rope_scaling`). */
export type RopeScaling =
  | { type: 'none' }
  /** Positions divided by `factor` (equivalently every inverse frequency). */
  | { type: 'linear'; factor: number }
  /** Llama 3.1: low frequencies divided by `factor`, high ones kept, a smooth blend between. */
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }

export interface RopeSpec {
  theta: number
  scaling: RopeScaling
}

export interface SpecialTokens {
  bos: number | null
  /** Any of these ends generation (HF allows a list). */
  eos: number[]
  pad: number | null
}

interface CommonSpec {
  modelType: ModelType
  vocabSize: number
  /** d_model. */
  hiddenSize: number
  /** Decoder layers for decoder-only models; encoder layers for T5 (see numDecoderLayers). */
  numLayers: number
  numHeads: number
  /** Key/value heads (< numHeads under grouped-query attention). */
  numKvHeads: number
  headDim: number
  /** d_ff: the FFN's hidden width. */
  intermediateSize: number
  norm: NormKind
  normEps: number
  activation: Activation
  /** The output head reuses the token embedding matrix. */
  tieWordEmbeddings: boolean
  /** Which projections carry biases. */
  bias: { qkv: boolean; o: boolean; mlp: boolean }
  /** Longest sequence the model was built for; null when positions are relative and unbounded. */
  contextLength: number | null
  tokens: SpecialTokens
  /** The dtype the config says the weights were saved in (`torch_dtype` / `dtype`), if it says. */
  declaredDType: string | null
}

export interface LlamaFamilySpec extends CommonSpec {
  family: 'llama'
  modelType: 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'smollm3' | 'gemma3_text'
  norm: 'rmsnorm'
  /** SwiGLU's silu; Gemma's gated GELU (tanh form). */
  activation: 'silu' | 'gelu_pytorch_tanh'
  rope: RopeSpec
  /** Which layers apply RoPE to q and k (SmolLM3: three of every four; the rest are NoPE); null: all of them. */
  ropeLayers: readonly boolean[] | null
  /** Qwen3, Gemma 3: RMSNorm over head_dim on every query and key head, before RoPE. */
  qkNorm: boolean
  /**
   * A query sees only the last `slidingWindow` keys (itself included) on the layers `slidingLayers`
   * names (Mistral: every layer); null = full causal everywhere.
   */
  slidingWindow: number | null
  /** Which layers use slidingWindow (Gemma 3: five of every six); null: all of them. */
  slidingLayers: readonly boolean[] | null
  /** RoPE of the sliding layers when it differs from `rope` (Gemma 3's local base frequency); null: `rope`. */
  localRope: RopeSpec | null
  /** Gemma: the looked-up token embedding is multiplied by √hidden_size; null: not scaled. */
  embeddingScale: number | null
  /** RMSNorm multiplies by (normWeightOffset + w): 0 (Llama), 1 (Gemma stores its norm weights as offsets from 1). */
  normWeightOffset: 0 | 1
  /** Gemma 3: each block's attention and FFN output is normed once more before its residual add. */
  sandwichNorms: boolean
  /** Multiplies q·k: 1/√head_dim, or Gemma's 1/√query_pre_attn_scalar. */
  attentionScale: number
}

export interface Gpt2Spec extends CommonSpec {
  family: 'gpt2'
  modelType: 'gpt2'
  norm: 'layernorm'
  /** Scores divided by √head_dim (HF `scale_attn_weights`, true for every released GPT-2). */
  scaleAttnWeights: boolean
  /** Scores of layer i additionally divided by i+1 (HF `scale_attn_by_inverse_layer_idx`). */
  scaleAttnByInverseLayerIdx: boolean
}

export interface T5Spec extends CommonSpec {
  family: 't5'
  modelType: 't5'
  norm: 'rmsnorm'
  numDecoderLayers: number
  /** T5 v1.1 / Flan-T5: `act(wi_0 x) ⊙ (wi_1 x)`; original T5: `relu(wi x)`. */
  gatedFfn: boolean
  relativeAttention: { numBuckets: number; maxDistance: number }
  /** The first decoder input (T5 uses the pad token). */
  decoderStartTokenId: number
}

export type ModelSpec = LlamaFamilySpec | Gpt2Spec | T5Spec
