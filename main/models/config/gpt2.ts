// config.json of GPT-2 (and GPT-2-shaped models such as DistilGPT2). Defaults are GPT2Config's.
import { z } from 'zod'
import { configError, declaredDTypeFields, eosList, parseFields, positiveInt, positiveNumber, tokenId, tokenIds } from './fields'
import type { Activation, Gpt2Spec } from '../../engine/models/spec'

const GPT2_ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu', 'relu'] as const satisfies readonly Activation[]

const gpt2Schema = z.object({
  vocab_size: positiveInt,
  n_positions: positiveInt,
  n_embd: positiveInt,
  n_layer: positiveInt,
  n_head: positiveInt,
  /** FFN width; null means 4·n_embd. */
  n_inner: positiveInt.nullish(),
  activation_function: z.string().default('gelu_new'),
  layer_norm_epsilon: positiveNumber.default(1e-5),
  scale_attn_weights: z.boolean().default(true),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  tie_word_embeddings: z.boolean().default(true),
  bos_token_id: tokenId.nullish(),
  eos_token_id: tokenIds.nullish(),
  pad_token_id: tokenId.nullish(),
  ...declaredDTypeFields,
})

export function parseGpt2Config(raw: Record<string, unknown>, file: string): Gpt2Spec {
  const f = parseFields(gpt2Schema, raw, file, 'gpt2')
  if (!(GPT2_ACTIVATIONS as readonly string[]).includes(f.activation_function)) {
    throw configError(file, 'activation_function', `"${f.activation_function}" is not supported (supported: ${GPT2_ACTIVATIONS.join(', ')})`)
  }
  if (f.n_embd % f.n_head !== 0) throw configError(file, 'n_head', `${f.n_head} does not divide n_embd (${f.n_embd})`)
  return {
    family: 'gpt2',
    modelType: 'gpt2',
    vocabSize: f.vocab_size,
    hiddenSize: f.n_embd,
    numLayers: f.n_layer,
    numHeads: f.n_head,
    numKvHeads: f.n_head,
    headDim: f.n_embd / f.n_head,
    intermediateSize: f.n_inner ?? 4 * f.n_embd,
    norm: 'layernorm',
    normEps: f.layer_norm_epsilon,
    activation: f.activation_function as Activation,
    tieWordEmbeddings: f.tie_word_embeddings,
    bias: { qkv: true, o: true, mlp: true },
    contextLength: f.n_positions,
    tokens: { bos: f.bos_token_id ?? null, eos: eosList(f.eos_token_id), pad: f.pad_token_id ?? null },
    declaredDType: f.dtype ?? f.torch_dtype ?? null,
    scaleAttnWeights: f.scale_attn_weights,
    scaleAttnByInverseLayerIdx: f.scale_attn_by_inverse_layer_idx,
  }
}
