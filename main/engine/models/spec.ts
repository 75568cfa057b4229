// The normalized description of a model that the rest of the studio works from. HF configs spell
// the same thing many ways (n_embd / hidden_size / d_model; eos as a number or a list; rope
// settings in rope_scaling or rope_parameters); a ModelSpec spells it once.
// It is the engine's: its model builders take one; main/models/config parses a config.json into it.

/** The `model_type` values we can build. */
export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'gpt2', 't5'] as const
export type ModelType = (typeof SUPPORTED_MODEL_TYPES)[number]

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
  modelType: 'llama' | 'mistral' | 'qwen2' | 'qwen3'
  norm: 'rmsnorm'
  activation: 'silu'
  rope: RopeSpec
  /** Qwen3: RMSNorm over head_dim on every query and key head, before RoPE. */
  qkNorm: boolean
  /** Mistral: a query sees only the last `slidingWindow` keys (itself included); null = full causal. */
  slidingWindow: number | null
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
