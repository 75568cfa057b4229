// config.json of T5: the original T5 (relu FFN, tied head) and T5 v1.1 / Flan-T5 (gated-GELU,
// untied head). Defaults are T5Config's, except decoder_start_token_id, which we require: without
// it there is no first decoder input (HF itself refuses to shift labels without one).
import { z } from 'zod'
import { configError, declaredDTypeFields, eosList, parseFields, positiveInt, positiveNumber, tokenId, tokenIds } from './fields'
import type { Activation, T5Spec } from '../../engine/models/spec'

const T5_ACTIVATIONS = ['relu', 'gelu', 'gelu_new', 'silu'] as const satisfies readonly Activation[]

const t5Schema = z.object({
  vocab_size: positiveInt,
  d_model: positiveInt,
  d_kv: positiveInt,
  d_ff: positiveInt,
  num_layers: positiveInt,
  num_decoder_layers: positiveInt.nullish(),
  num_heads: positiveInt,
  relative_attention_num_buckets: positiveInt.default(32),
  relative_attention_max_distance: positiveInt.default(128),
  layer_norm_epsilon: positiveNumber.default(1e-6),
  feed_forward_proj: z.string().default('relu'),
  tie_word_embeddings: z.boolean().default(true),
  is_encoder_decoder: z.boolean().default(true),
  decoder_start_token_id: tokenId,
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds.default(1),
  pad_token_id: tokenId.default(0),
  /** Not used by the model (positions are relative); the length it was trained at. */
  n_positions: positiveInt.nullish(),
  ...declaredDTypeFields,
})

/** "gated-gelu" → gated, gelu_new (T5Config's special case); "relu" → plain relu; "gated-silu" → gated silu. */
function parseFeedForward(spec: string, file: string): { gated: boolean; activation: Activation } {
  const parts = spec.split('-')
  const gated = parts.length === 2 && parts[0] === 'gated'
  const name = parts[parts.length - 1]
  if (parts.length > 2 || (parts.length === 2 && !gated) || !(T5_ACTIVATIONS as readonly string[]).includes(name)) {
    throw configError(file, 'feed_forward_proj', `"${spec}" is not supported (use "gated-gelu" for T5 v1.1 / Flan-T5, "relu" for the original T5, or [gated-]{${T5_ACTIVATIONS.join('|')}})`)
  }
  return { gated, activation: spec === 'gated-gelu' ? 'gelu_new' : (name as Activation) }
}

export function parseT5Config(raw: Record<string, unknown>, file: string): T5Spec {
  const f = parseFields(t5Schema, raw, file, 't5')
  if (!f.is_encoder_decoder) throw configError(file, 'is_encoder_decoder', 'false (an encoder-only T5); only encoder-decoder T5 models are supported')
  const ffn = parseFeedForward(f.feed_forward_proj, file)
  const { num_buckets, max_distance } = { num_buckets: f.relative_attention_num_buckets, max_distance: f.relative_attention_max_distance }
  if (num_buckets < 4) throw configError(file, 'relative_attention_num_buckets', `${num_buckets} is too few (at least 4: half per direction, half of those exact)`)
  return {
    family: 't5',
    modelType: 't5',
    vocabSize: f.vocab_size,
    hiddenSize: f.d_model,
    numLayers: f.num_layers,
    numDecoderLayers: f.num_decoder_layers ?? f.num_layers,
    numHeads: f.num_heads,
    numKvHeads: f.num_heads,
    headDim: f.d_kv,
    intermediateSize: f.d_ff,
    norm: 'rmsnorm',
    normEps: f.layer_norm_epsilon,
    activation: ffn.activation,
    gatedFfn: ffn.gated,
    tieWordEmbeddings: f.tie_word_embeddings,
    bias: { qkv: false, o: false, mlp: false },
    contextLength: f.n_positions ?? null,
    tokens: { bos: f.bos_token_id ?? null, eos: eosList(f.eos_token_id), pad: f.pad_token_id },
    declaredDType: f.dtype ?? f.torch_dtype ?? null,
    relativeAttention: { numBuckets: num_buckets, maxDistance: max_distance },
    decoderStartTokenId: f.decoder_start_token_id,
  }
}
