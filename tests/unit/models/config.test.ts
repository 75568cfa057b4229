import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SUPPORTED_MODEL_TYPES, type ModelSpec } from '../../../main/engine/models/spec'
import { ModelFolderError, parseModelConfig, readModelConfig } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'

// Abridged from the config.json files of released checkpoints (values as published).
const LLAMA_3_2_1B = {
  architectures: ['LlamaForCausalLM'], model_type: 'llama', attention_bias: false, attention_dropout: 0, bos_token_id: 128000,
  eos_token_id: [128001, 128008, 128009], head_dim: 64, hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02,
  intermediate_size: 8192, max_position_embeddings: 131072, mlp_bias: false, num_attention_heads: 32, num_hidden_layers: 16,
  num_key_value_heads: 8, pretraining_tp: 1, rms_norm_eps: 1e-5,
  rope_scaling: { factor: 32, high_freq_factor: 4, low_freq_factor: 1, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 500000, tie_word_embeddings: true, torch_dtype: 'bfloat16', transformers_version: '4.45.0.dev0', use_cache: true, vocab_size: 128256,
}
const QWEN2_5_0_5B = {
  architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', attention_dropout: 0, bos_token_id: 151643, eos_token_id: 151643,
  hidden_act: 'silu', hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768,
  max_window_layers: 24, num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2, rms_norm_eps: 1e-6,
  rope_theta: 1000000, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16', use_cache: true,
  use_sliding_window: false, vocab_size: 151936,
}
const QWEN3_0_6B = {
  architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', attention_bias: false, bos_token_id: 151643, eos_token_id: 151645,
  head_dim: 128, hidden_act: 'silu', hidden_size: 1024, intermediate_size: 3072, max_position_embeddings: 40960,
  max_window_layers: 28, num_attention_heads: 16, num_hidden_layers: 28, num_key_value_heads: 8, rms_norm_eps: 1e-6,
  rope_scaling: null, rope_theta: 1000000, sliding_window: null, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  use_sliding_window: false, vocab_size: 151936,
}
const SMOLLM3_3B = {
  architectures: ['SmolLM3ForCausalLM'], attention_bias: false, attention_dropout: 0, bos_token_id: null, eos_token_id: 128012,
  hidden_act: 'silu', hidden_size: 2048, initializer_range: 0.02, intermediate_size: 11008,
  layer_types: Array.from({ length: 36 }, () => 'full_attention'), max_position_embeddings: 65536, max_window_layers: 28,
  mlp_bias: false, model_type: 'smollm3', no_rope_layer_interval: 4,
  no_rope_layers: Array.from({ length: 36 }, (_, i) => ((i + 1) % 4 === 0 ? 0 : 1)),
  num_attention_heads: 16, num_hidden_layers: 36, num_key_value_heads: 4, pad_token_id: 128004, pretraining_tp: 2,
  rms_norm_eps: 1e-6, rope_scaling: null, rope_theta: 5000000, sliding_window: null, torch_dtype: 'bfloat16',
  transformers_version: '4.54.0.dev0', use_cache: false, use_sliding_window: false, vocab_size: 128256,
}
const GEMMA_3_270M = {
  _sliding_window_pattern: 6, architectures: ['Gemma3ForCausalLM'], attention_bias: false, attention_dropout: 0, attn_logit_softcapping: null,
  bos_token_id: 2, eos_token_id: 1, final_logit_softcapping: null, head_dim: 256, hidden_activation: 'gelu_pytorch_tanh', hidden_size: 640,
  initializer_range: 0.02, intermediate_size: 2048,
  layer_types: Array.from({ length: 18 }, (_, i) => ((i + 1) % 6 === 0 ? 'full_attention' : 'sliding_attention')),
  max_position_embeddings: 32768, model_type: 'gemma3_text', num_attention_heads: 4, num_hidden_layers: 18, num_key_value_heads: 1,
  pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6, rope_local_base_freq: 10000, rope_scaling: null, rope_theta: 1000000,
  sliding_window: 512, torch_dtype: 'bfloat16', transformers_version: '4.55.0.dev0', use_bidirectional_attention: false, use_cache: true, vocab_size: 262144,
}
// The first release's config: no layer_types, the pattern under its old name.
const GEMMA_3_1B = {
  architectures: ['Gemma3ForCausalLM'], attention_bias: false, attention_dropout: 0, attn_logit_softcapping: null, bos_token_id: 2,
  cache_implementation: 'hybrid', eos_token_id: [1, 106], final_logit_softcapping: null, head_dim: 256, hidden_activation: 'gelu_pytorch_tanh',
  hidden_size: 1152, initializer_range: 0.02, intermediate_size: 6912, max_position_embeddings: 32768, model_type: 'gemma3_text',
  num_attention_heads: 4, num_hidden_layers: 26, num_key_value_heads: 1, pad_token_id: 0, query_pre_attn_scalar: 256, rms_norm_eps: 1e-6,
  rope_local_base_freq: 10000, rope_scaling: null, rope_theta: 1000000, sliding_window: 512, sliding_window_pattern: 6,
  torch_dtype: 'bfloat16', transformers_version: '4.50.0.dev0', use_cache: true, vocab_size: 262144,
}
const MISTRAL_7B_V0_1 = {
  architectures: ['MistralForCausalLM'], model_type: 'mistral', bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu',
  hidden_size: 4096, intermediate_size: 14336, max_position_embeddings: 32768, num_attention_heads: 32, num_hidden_layers: 32,
  num_key_value_heads: 8, rms_norm_eps: 1e-5, rope_theta: 10000, sliding_window: 4096, tie_word_embeddings: false,
  torch_dtype: 'bfloat16', vocab_size: 32000,
}
const GPT2 = {
  activation_function: 'gelu_new', architectures: ['GPT2LMHeadModel'], attn_pdrop: 0.1, bos_token_id: 50256, embd_pdrop: 0.1,
  eos_token_id: 50256, initializer_range: 0.02, layer_norm_epsilon: 1e-5, model_type: 'gpt2', n_ctx: 1024, n_embd: 768,
  n_head: 12, n_layer: 12, n_positions: 1024, resid_pdrop: 0.1, summary_type: 'cls_index', task_specific_params: { 'text-generation': { do_sample: true, max_length: 50 } },
  vocab_size: 50257,
}
const FLAN_T5_SMALL = {
  architectures: ['T5ForConditionalGeneration'], d_ff: 1024, d_kv: 64, d_model: 512, decoder_start_token_id: 0,
  dense_act_fn: 'gelu_new', dropout_rate: 0.1, eos_token_id: 1, feed_forward_proj: 'gated-gelu', initializer_factor: 1,
  is_encoder_decoder: true, is_gated_act: true, layer_norm_epsilon: 1e-6, model_type: 't5', n_positions: 512,
  num_decoder_layers: 8, num_heads: 6, num_layers: 8, output_past: true, pad_token_id: 0,
  relative_attention_max_distance: 128, relative_attention_num_buckets: 32, tie_word_embeddings: false, vocab_size: 32128,
}

function parseError(raw: unknown): ModelFolderError {
  try {
    parseModelConfig(raw, '/models/x/config.json')
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFolderError)
    expect((e as Error).message).toContain('/models/x/config.json')
    return e as ModelFolderError
  }
  throw new Error('expected the config to be rejected')
}

describe('parseModelConfig: released checkpoints', () => {
  it('Llama 3.2 1B: GQA, explicit head_dim, llama3 rope scaling, tied, eos list', () => {
    const spec = parseModelConfig(LLAMA_3_2_1B)
    expect(spec).toMatchObject({
      family: 'llama', modelType: 'llama', hiddenSize: 2048, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64,
      intermediateSize: 8192, vocabSize: 128256, normEps: 1e-5, norm: 'rmsnorm', activation: 'silu', tieWordEmbeddings: true,
      bias: { qkv: false, o: false, mlp: false }, contextLength: 131072, declaredDType: 'bfloat16',
      tokens: { bos: 128000, eos: [128001, 128008, 128009], pad: null }, qkNorm: false, slidingWindow: null,
      rope: { theta: 500000, scaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } },
    })
  })

  it('Qwen2.5 0.5B: q/k/v biases, no o bias, sliding window off', () => {
    const spec = parseModelConfig(QWEN2_5_0_5B)
    expect(spec).toMatchObject({ modelType: 'qwen2', headDim: 64, numKvHeads: 2, bias: { qkv: true, o: false, mlp: false }, slidingWindow: null, tokens: { eos: [151643] } })
  })

  it('Qwen3 0.6B: q/k norm and a head_dim that is not hidden/heads', () => {
    const spec = parseModelConfig(QWEN3_0_6B)
    expect(spec).toMatchObject({ modelType: 'qwen3', qkNorm: true, headDim: 128, hiddenSize: 1024, numHeads: 16, rope: { theta: 1e6, scaling: { type: 'none' } } })
  })

  it('SmolLM3 3B: a NoPE layer every fourth, the tied head PretrainedConfig defaults to, no bos', () => {
    const spec = parseModelConfig(SMOLLM3_3B)
    expect(spec).toMatchObject({
      family: 'llama', modelType: 'smollm3', hiddenSize: 2048, numLayers: 36, numHeads: 16, numKvHeads: 4, headDim: 128,
      tieWordEmbeddings: true, bias: { qkv: false, o: false, mlp: false }, contextLength: 65536, slidingWindow: null,
      tokens: { bos: null, eos: [128012], pad: 128004 }, rope: { theta: 5e6, scaling: { type: 'none' } },
      normWeightOffset: 0, sandwichNorms: false, embeddingScale: null,
    })
    if (spec.family !== 'llama') throw new Error('expected the llama family')
    expect(spec.ropeLayers?.flatMap((rope, i) => (rope ? [] : [i]))).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35])
    // Without the list, the interval says; without either, every fourth; SmolLM3Config's rope_theta is 2e6.
    const { no_rope_layers: _n, no_rope_layer_interval: _i, rope_theta: _t, ...bare } = SMOLLM3_3B
    expect((parseModelConfig({ ...bare, no_rope_layer_interval: 3 }) as typeof spec).ropeLayers?.filter((r) => !r)).toHaveLength(12)
    expect(parseModelConfig(bare)).toMatchObject({ rope: { theta: 2e6 } })
    expect((parseModelConfig(bare) as typeof spec).ropeLayers?.filter((r) => !r)).toHaveLength(9)
    // attention_bias puts biases on o_proj too, mlp_bias on the MLP; a Llama without no_rope_layers has RoPE everywhere.
    expect(parseModelConfig({ ...SMOLLM3_3B, attention_bias: true })).toMatchObject({ bias: { qkv: true, o: true, mlp: false } })
    expect(parseModelConfig({ ...SMOLLM3_3B, mlp_bias: true })).toMatchObject({ bias: { qkv: false, o: false, mlp: true } })
    expect(parseModelConfig(LLAMA_3_2_1B)).toMatchObject({ ropeLayers: null })
  })

  it('Gemma 3 270M: the Gemma switches, five sliding layers of six with their own RoPE base, tied', () => {
    const spec = parseModelConfig(GEMMA_3_270M)
    expect(spec).toMatchObject({
      family: 'llama', modelType: 'gemma3_text', hiddenSize: 640, numLayers: 18, numHeads: 4, numKvHeads: 1, headDim: 256,
      intermediateSize: 2048, vocabSize: 262144, activation: 'gelu_pytorch_tanh', tieWordEmbeddings: true, qkNorm: true,
      bias: { qkv: false, o: false, mlp: false }, contextLength: 32768, tokens: { bos: 2, eos: [1], pad: 0 },
      normWeightOffset: 1, sandwichNorms: true, attentionScale: 1 / 16, slidingWindow: 512,
      rope: { theta: 1e6, scaling: { type: 'none' } }, localRope: { theta: 1e4, scaling: { type: 'none' } },
    })
    if (spec.family !== 'llama') throw new Error('expected the llama family')
    expect(spec.embeddingScale).toBeCloseTo(Math.sqrt(640), 12)
    expect(spec.slidingLayers?.flatMap((slides, i) => (slides ? [] : [i]))).toEqual([5, 11, 17])
  })

  it('Gemma 3 1B as first released: layer types from sliding_window_pattern, an eos list', () => {
    const spec = parseModelConfig(GEMMA_3_1B)
    if (spec.family !== 'llama') throw new Error('expected the llama family')
    expect(spec.slidingLayers?.flatMap((slides, i) => (slides ? [] : [i]))).toEqual([5, 11, 17, 23])
    expect(spec.tokens.eos).toEqual([1, 106])
    const { _sliding_window_pattern: _p, layer_types: _l, ...noTypes } = GEMMA_3_270M
    expect((parseModelConfig({ ...noTypes, _sliding_window_pattern: 3 }) as typeof spec).slidingLayers?.filter((s) => !s)).toHaveLength(6)
  })

  it('Gemma 3 in transformers 5: rope_parameters by layer type', () => {
    const { rope_theta: _t, rope_local_base_freq: _b, rope_scaling: _s, ...rest } = GEMMA_3_270M
    const spec = parseModelConfig({
      ...rest, rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } },
    })
    expect(spec).toMatchObject({ rope: { theta: 1e6, scaling: { type: 'linear', factor: 8 } }, localRope: { theta: 1e4, scaling: { type: 'none' } } })
    expect(parseError({ ...rest, rope_parameters: { full_attention: { rope_type: 'yarn', factor: 8 } } }).message).toContain('field "rope_parameters.full_attention.rope_type": "yarn" is not supported')
  })

  it('Mistral 7B v0.1: sliding window kept, untied', () => {
    expect(parseModelConfig(MISTRAL_7B_V0_1)).toMatchObject({ modelType: 'mistral', slidingWindow: 4096, tieWordEmbeddings: false, numKvHeads: 8, headDim: 128 })
    expect(parseModelConfig({ ...MISTRAL_7B_V0_1, sliding_window: null })).toMatchObject({ slidingWindow: null })
  })

  it('GPT-2: layer norm, gelu_new, biases everywhere, d_ff = 4·n_embd when n_inner is absent, tied by default', () => {
    expect(parseModelConfig(GPT2)).toMatchObject({
      family: 'gpt2', hiddenSize: 768, numHeads: 12, numKvHeads: 12, headDim: 64, intermediateSize: 3072, norm: 'layernorm',
      normEps: 1e-5, activation: 'gelu_new', tieWordEmbeddings: true, bias: { qkv: true, o: true, mlp: true }, contextLength: 1024,
      scaleAttnWeights: true, scaleAttnByInverseLayerIdx: false, tokens: { bos: 50256, eos: [50256] },
    })
  })

  it('Flan-T5 small: gated-GELU, relative buckets, decoder start, untied', () => {
    expect(parseModelConfig(FLAN_T5_SMALL)).toMatchObject({
      family: 't5', hiddenSize: 512, headDim: 64, numHeads: 6, numLayers: 8, numDecoderLayers: 8, intermediateSize: 1024,
      gatedFfn: true, activation: 'gelu_new', tieWordEmbeddings: false, relativeAttention: { numBuckets: 32, maxDistance: 128 },
      decoderStartTokenId: 0, tokens: { pad: 0, eos: [1] }, bias: { qkv: false, o: false, mlp: false }, contextLength: 512,
    })
  })

  it('original T5: relu FFN, tied head (T5Config defaults)', () => {
    const { feed_forward_proj: _ff, tie_word_embeddings: _tie, ...original } = FLAN_T5_SMALL
    expect(parseModelConfig(original)).toMatchObject({ gatedFfn: false, activation: 'relu', tieWordEmbeddings: true })
  })
})

describe('parseModelConfig: what it refuses and how it says so', () => {
  it('names the supported model types for an unknown one', () => {
    const e = parseError({ ...GPT2, model_type: 'falcon' })
    expect(e.message).toContain('"falcon"')
    for (const t of SUPPORTED_MODEL_TYPES) expect(e.message).toContain(t)
  })

  it('reports a missing model_type with the architectures the file names', () => {
    const { model_type: _t, ...rest } = GPT2
    expect(parseError(rest).message).toMatch(/"model_type" is missing \(architectures: GPT2LMHeadModel\)/)
  })

  it('lists every missing or mistyped field at once', () => {
    const { hidden_size: _h, ...rest } = QWEN2_5_0_5B
    const e = parseError({ ...rest, num_attention_heads: '14' })
    expect(e.message).toContain('field "hidden_size" is missing (required)')
    expect(e.message).toMatch(/field "num_attention_heads" = "14": .*expected number/)
  })

  it('requires num_key_value_heads where the HF default belongs to one 7B checkpoint', () => {
    const { num_key_value_heads: _kv, ...rest } = MISTRAL_7B_V0_1
    expect(parseError(rest).message).toContain('field "num_key_value_heads": missing (required for mistral models)')
    // Llama's own default is "as many as the query heads".
    const { num_key_value_heads: _kv2, ...llama } = LLAMA_3_2_1B
    expect(parseModelConfig(llama)).toMatchObject({ numKvHeads: 32 })
  })

  it('requires head_dim for qwen3', () => {
    const { head_dim: _hd, ...rest } = QWEN3_0_6B
    expect(parseError(rest).message).toContain('field "head_dim": missing (required for qwen3 models)')
  })

  it('checks that head counts divide', () => {
    expect(parseError({ ...QWEN2_5_0_5B, num_key_value_heads: 3 }).message).toContain('field "num_key_value_heads": 3 does not divide num_attention_heads (14)')
    expect(parseError({ ...GPT2, n_head: 7 }).message).toContain('field "n_head": 7 does not divide n_embd (768)')
  })

  it('rope: linear, the transformers-5 rope_parameters form, and unsupported types', () => {
    expect(parseModelConfig({ ...QWEN2_5_0_5B, rope_scaling: { type: 'linear', factor: 4 } })).toMatchObject({ rope: { theta: 1e6, scaling: { type: 'linear', factor: 4 } } })
    const { rope_theta: _t, ...noTheta } = QWEN2_5_0_5B
    expect(parseModelConfig({ ...noTheta, rope_parameters: { rope_type: 'default', rope_theta: 5e5 } })).toMatchObject({ rope: { theta: 5e5, scaling: { type: 'none' } } })
    expect(parseError({ ...LLAMA_3_2_1B, rope_scaling: { rope_type: 'yarn', factor: 4 } }).message).toMatch(/rope_scaling.rope_type.*"yarn" is not supported \(supported: default, linear, llama3\)/)
    const { low_freq_factor: _l, ...partial } = LLAMA_3_2_1B.rope_scaling
    expect(parseError({ ...LLAMA_3_2_1B, rope_scaling: partial }).message).toContain('field "rope_scaling.low_freq_factor": missing (required for rope type "llama3")')
  })

  it('refuses what we do not build: other activations, Qwen sliding windows, odd T5 FFNs, T5 without decoder start', () => {
    expect(parseError({ ...LLAMA_3_2_1B, hidden_act: 'gelu' }).message).toContain('field "hidden_act": "gelu" is not supported for llama')
    expect(parseError({ ...QWEN2_5_0_5B, use_sliding_window: true }).message).toContain('field "use_sliding_window"')
    expect(parseError({ ...GPT2, activation_function: 'swish' }).message).toContain('field "activation_function": "swish" is not supported')
    expect(parseError({ ...FLAN_T5_SMALL, feed_forward_proj: 'gated-tanh' }).message).toContain('field "feed_forward_proj": "gated-tanh" is not supported')
    const { decoder_start_token_id: _d, ...noStart } = FLAN_T5_SMALL
    expect(parseError(noStart).message).toContain('field "decoder_start_token_id" is missing (required)')
  })

  it('refuses what SmolLM3 does not build: a short no_rope_layers, values other than 0 and 1, a sliding window', () => {
    expect(parseError({ ...SMOLLM3_3B, no_rope_layers: [1, 1, 1, 0] }).message).toContain('field "no_rope_layers": names 4 layers, num_hidden_layers is 36')
    expect(parseError({ ...SMOLLM3_3B, no_rope_layers: SMOLLM3_3B.no_rope_layers.map(() => 2) }).message).toContain('no_rope_layers')
    expect(parseError({ ...SMOLLM3_3B, use_sliding_window: true, sliding_window: 4096 }).message).toContain('field "use_sliding_window": sliding-window attention is not supported for SmolLM3')
    const { num_key_value_heads: _kv, ...noKv } = SMOLLM3_3B
    expect(parseError(noKv).message).toContain('field "num_key_value_heads": missing (required for smollm3 models)')
  })

  it('refuses what Gemma 3 text models never have, and names the text-only sizes for an image-and-text Gemma 3', () => {
    expect(parseError({ ...GEMMA_3_270M, final_logit_softcapping: 30 }).message).toContain('field "final_logit_softcapping": 30 is not supported')
    expect(parseError({ ...GEMMA_3_270M, attn_logit_softcapping: 50 }).message).toContain('field "attn_logit_softcapping"')
    expect(parseError({ ...GEMMA_3_270M, use_bidirectional_attention: true }).message).toContain('EmbeddingGemma')
    expect(parseError({ ...GEMMA_3_270M, hidden_activation: 'silu' }).message).toContain('field "hidden_activation": "silu" is not supported for gemma3_text')
    expect(parseError({ ...GEMMA_3_270M, layer_types: ['full_attention'] }).message).toContain('field "layer_types": names 1 layers, num_hidden_layers is 18')
    expect(parseError({ ...GEMMA_3_270M, layer_types: GEMMA_3_270M.layer_types.map(() => 'chunked_attention') }).message).toContain('layer_types')
    const { head_dim: _hd, ...noHeadDim } = GEMMA_3_270M
    expect(parseError(noHeadDim).message).toContain('field "head_dim" is missing (required)')
    const multimodal = parseError({ architectures: ['Gemma3ForConditionalGeneration'], model_type: 'gemma3', text_config: { hidden_size: 2560 } }).message
    expect(multimodal).toContain('model_type "gemma3" is not supported')
    expect(multimodal).toContain('Of Gemma 3 we train the text-only sizes, gemma-3-270m and gemma-3-1b (model_type gemma3_text)')
  })

  it('accepts T5 FFN spellings as T5Config reads them', () => {
    const ffn = (feed_forward_proj: string) => parseModelConfig({ ...FLAN_T5_SMALL, feed_forward_proj }) as Extract<ModelSpec, { family: 't5' }>
    expect(ffn('gated-gelu')).toMatchObject({ gatedFfn: true, activation: 'gelu_new' })
    expect(ffn('gated-silu')).toMatchObject({ gatedFfn: true, activation: 'silu' })
    expect(ffn('gelu')).toMatchObject({ gatedFfn: false, activation: 'gelu' })
  })
})

describe('readModelConfig', () => {
  let tmp: ReturnType<typeof makeTempDir>
  beforeEach(() => (tmp = makeTempDir()))
  afterEach(() => tmp.remove())

  it('reads a file and names it in errors', () => {
    const path = join(tmp.dir, 'config.json')
    writeFileSync(path, JSON.stringify(GPT2))
    expect(readModelConfig(path).family).toBe('gpt2')
    writeFileSync(path, '{ "model_type": "gpt2", ')
    expect(() => readModelConfig(path)).toThrow(new RegExp(`${path}: not valid JSON`))
    expect(() => readModelConfig(join(tmp.dir, 'nope.json'))).toThrow(/nope\.json: cannot read \(ENOENT\)/)
  })
})
