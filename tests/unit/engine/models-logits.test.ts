// Engine logits of every architecture against the independent float64 references
// (tests/reference), on padded batches, in every weight dtype and with sharded checkpoints.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyArch, type TinyModelOptions } from '../../helpers/tiny-models'
import { maxAbsDifference, referenceLogits, referenceSeq2SeqLogits } from '../../reference'
import { openModel } from '../../../main/models/inference/open-model'
import { ForwardSession, type ForwardBatch } from '../../../main/models/inference/forward'

const TOLERANCE = 1e-4
const models = useTinyModels()
const tiny = models.write

// Left padding, right padding, a full row and a short row padded in the middle of the batch.
const DECODER_BATCH = {
  ids: [
    [0, 0, 0, 5, 9, 14, 3, 22],
    [5, 9, 14, 3, 22, 0, 0, 0],
    [5, 9, 14, 3, 22, 7, 30, 11],
    [0, 0, 0, 0, 0, 0, 12, 4],
  ],
  mask: [
    [0, 0, 0, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 0, 0, 0, 0, 1, 1],
  ],
}

async function engineLogits(dir: string, batch: ForwardBatch): Promise<Float32Array> {
  const session = await ForwardSession.create(openModel(dir), { threads: 1 })
  try {
    return (await session.run(batch)).logits.data as Float32Array
  } finally {
    await session.dispose()
  }
}

describe.each(['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2'] as const)('%s logits vs the float64 reference', (arch) => {
  it.each(['float32', 'float16', 'bfloat16'] as const)('%s weights, padded batch', async (dtype) => {
    const model = tiny(arch, { dtype })
    const actual = await engineLogits(model.dir, { tokens: DECODER_BATCH })
    const error = maxAbsDifference(actual, referenceLogits(model.dir, DECODER_BATCH))
    expect(error).toBeLessThanOrEqual(TOLERANCE)
  })

  it('sharded checkpoint', async () => {
    const model = tiny(arch, { shards: 3, seed: 7 })
    const error = maxAbsDifference(await engineLogits(model.dir, { tokens: DECODER_BATCH }), referenceLogits(model.dir, DECODER_BATCH))
    expect(error).toBeLessThanOrEqual(TOLERANCE)
  })
})

describe('config variants', () => {
  const cases: [string, TinyArch, Record<string, unknown>][] = [
    ['mistral sliding window shorter than the sequence', 'mistral', { sliding_window: 3 }],
    ['llama with attention and MLP biases, untied, linear rope', 'llama', { attention_bias: true, mlp_bias: true, rope_scaling: { rope_type: 'linear', factor: 4 } }],
    ['llama without rope scaling, grouped KV heads, tied', 'llama', { rope_scaling: null, num_key_value_heads: 1, tie_word_embeddings: true }],
    ['qwen3 with attention bias', 'qwen3', { attention_bias: true }],
    ['smollm3 with q/k/v/o and MLP biases, untied, NoPE every second layer by the interval', 'smollm3', { attention_bias: true, mlp_bias: true, tie_word_embeddings: false, no_rope_layers: null, no_rope_layer_interval: 2 }],
    ['gemma3_text all global layers, untied, attention bias, unscaled rope', 'gemma3_text', { layer_types: null, sliding_window_pattern: 1, tie_word_embeddings: false, attention_bias: true, rope_scaling: null }],
    ['gemma3_text layer types from the pattern, window 2', 'gemma3_text', { layer_types: null, sliding_window_pattern: 2, sliding_window: 2 }],
    ['gemma3_text transformers 5 rope_parameters by layer type', 'gemma3_text', {
      rope_scaling: null, rope_theta: undefined, rope_local_base_freq: undefined,
      rope_parameters: { full_attention: { rope_type: 'linear', factor: 3, rope_theta: 5000 }, sliding_attention: { rope_type: 'default', rope_theta: 300 } },
    }],
    ['gpt2 untied, exact gelu, inverse-layer scaling', 'gpt2', { tie_word_embeddings: false, activation_function: 'gelu', scale_attn_by_inverse_layer_idx: true }],
  ]
  it.each(cases)('%s', async (_name, arch, config) => {
    const model = tiny(arch, { config })
    const error = maxAbsDifference(await engineLogits(model.dir, { tokens: DECODER_BATCH }), referenceLogits(model.dir, DECODER_BATCH))
    expect(error).toBeLessThanOrEqual(TOLERANCE)
  })
})

describe('t5 logits vs the float64 reference', () => {
  // Encoder rows padded left and right; decoder rows start with decoder_start_token_id (0) and one is padded.
  const encoder = {
    ids: [
      [5, 9, 14, 3, 22, 7, 30, 11, 8, 6],
      [0, 0, 0, 5, 9, 14, 3, 22, 7, 2],
      [12, 4, 19, 0, 0, 0, 0, 0, 0, 0],
    ],
    mask: [
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
      [0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    ],
  }
  const decoder = {
    ids: [
      [0, 17, 23, 5, 9, 4],
      [0, 8, 3, 0, 0, 0],
      [0, 25, 26, 27, 28, 29],
    ],
    mask: [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
      [1, 1, 1, 1, 1, 1],
    ],
  }
  const cases: [string, TinyModelOptions][] = [
    ['v1.1 float32', {}],
    ['v1.1 float16', { dtype: 'float16' }],
    ['v1.1 bfloat16, sharded', { dtype: 'bfloat16', shards: 2 }],
    ['original T5: relu FFN, tied head', { config: { feed_forward_proj: 'relu', tie_word_embeddings: true } }],
  ]
  it.each(cases)('%s', async (_name, options) => {
    const model = tiny('t5', options)
    const actual = await engineLogits(model.dir, { tokens: encoder, decoder })
    const error = maxAbsDifference(actual, referenceSeq2SeqLogits(model.dir, { encoder, decoder }))
    expect(error).toBeLessThanOrEqual(TOLERANCE)
  })
})
