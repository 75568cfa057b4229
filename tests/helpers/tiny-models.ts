// Tiny random models of every architecture we support, written as Hugging Face folders
// (config.json, model.safetensors or shards + index, tokenizer.json, tokenizer_config.json,
// generation_config.json). Deterministic from a seed. The tensor names and shapes here are written
// from transformers' modeling files, independently of main/models/weights-map, so a mistake in
// either shows up as a mismatch.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { DType } from '../../main/engine/ir'
import { mulberry32 } from '../../main/engine/random'
import { writeSafetensors, type TensorToWrite } from '../../main/runtime/safetensors'
import { float32ToBfloat16Bits, float32ToFloat16Bits } from './half-floats'
import { byteLevelBpeTokenizer, metaspaceBpeTokenizer, type TinyTokenizer } from './tiny-tokenizer'

export type TinyArch = 'llama' | 'mistral' | 'qwen2' | 'qwen3' | 'smollm3' | 'gemma3_text' | 'gpt2' | 't5'
export const TINY_ARCHS: readonly TinyArch[] = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2', 't5']

export type TinyDType = 'float32' | 'float16' | 'bfloat16'

/** One tensor as generated (float32 values, before any conversion to the saved dtype). */
export interface TinyTensor {
  name: string
  shape: number[]
  values: Float32Array
}

export interface TinyModelOptions {
  seed?: number
  dtype?: TinyDType
  /** Split the weights over this many files with a model.safetensors.index.json (default 1: one model.safetensors). */
  shards?: number
  /** Put a chat template in tokenizer_config.json (default: only for qwen2 and smollm3). */
  chatTemplate?: boolean
  /** Fields merged over the architecture's config.json before the weights are generated from it. */
  config?: Record<string, unknown>
  /** Last chance to rename, drop, reshape or add tensors before they are written (for error tests). */
  editTensors?: (tensors: TinyTensor[]) => TinyTensor[]
}

export interface TinyModel {
  dir: string
  arch: TinyArch
  config: Record<string, unknown>
  /** The weights as generated (float32); the saved values are these rounded to `dtype`. */
  tensors: TinyTensor[]
  dtype: TinyDType
  tokenizer: TinyTokenizer
  /** The weight files written (model.safetensors, or the shards). */
  weightFiles: string[]
}

const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

/** Writes a tiny model of `arch` into `dir` (created if needed) and describes it. */
export function writeTinyModel(dir: string, arch: TinyArch, options: TinyModelOptions = {}): TinyModel {
  const seed = options.seed ?? 1
  const dtype = options.dtype ?? 'float32'
  const chatTemplate = options.chatTemplate ?? (arch === 'qwen2' || arch === 'smollm3')
  const tokenizer = tokenizerFor(arch, chatTemplate)
  const config = { ...baseConfig(arch, tokenizer), ...(options.config ?? {}) }
  const random = gaussian(seed)
  let tensors = tensorsFor(arch, config, random)
  if (options.editTensors) tensors = options.editTensors(tensors)

  mkdirSync(dir, { recursive: true })
  writeJson(join(dir, 'config.json'), config)
  const weightFiles = writeWeights(dir, tensors, dtype, options.shards ?? 1)
  writeJson(join(dir, 'tokenizer.json'), tokenizer.json)
  writeJson(join(dir, 'tokenizer_config.json'), tokenizerConfig(arch, chatTemplate))
  writeJson(join(dir, 'generation_config.json'), generationConfig(config))
  return { dir, arch, config, tensors, dtype, tokenizer, weightFiles }
}

// ---------------------------------------------------------------- configs

function tokenizerFor(arch: TinyArch, chatTemplate: boolean): TinyTokenizer {
  if (arch === 'gpt2') return byteLevelBpeTokenizer(['<|endoftext|>'])
  if (arch === 't5') return metaspaceBpeTokenizer(['<pad>', '</s>', '<unk>'])
  if (arch === 'gemma3_text') return metaspaceBpeTokenizer(['<pad>', '<eos>', '<bos>', '<unk>']) // Gemma's ids 0-3
  return metaspaceBpeTokenizer(['<unk>', '<s>', '</s>'], chatTemplate ? ['<|im_start|>', '<|im_end|>'] : [])
}

/** A vocabulary a little larger than the tokenizer's, as real checkpoints pad theirs. */
function vocabSizeFor(tokenizer: TinyTokenizer): number {
  return Math.ceil((tokenizer.size + 1) / 8) * 8
}

function baseConfig(arch: TinyArch, tokenizer: TinyTokenizer): Record<string, unknown> {
  const vocab_size = vocabSizeFor(tokenizer)
  const llamaCommon = {
    vocab_size, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 2, num_attention_heads: 4,
    hidden_act: 'silu', rms_norm_eps: 1e-6, max_position_embeddings: 128, bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  }
  switch (arch) {
    case 'llama':
      // Llama 3.2-style rope scaling, with an original context small enough that the tiny head
      // size has frequencies in all three bands (kept, blended, divided).
      return {
        ...llamaCommon, architectures: ['LlamaForCausalLM'], model_type: 'llama', num_key_value_heads: 4, tie_word_embeddings: false,
        rope_theta: 10000, attention_bias: false, mlp_bias: false,
        rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 },
      }
    case 'mistral':
      return {
        ...llamaCommon, architectures: ['MistralForCausalLM'], model_type: 'mistral', num_key_value_heads: 2, tie_word_embeddings: true,
        rope_theta: 1000000, sliding_window: null,
      }
    case 'qwen2':
      return {
        ...llamaCommon, architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', num_key_value_heads: 2, tie_word_embeddings: true,
        rope_theta: 10000, rope_scaling: { type: 'linear', factor: 2 }, use_sliding_window: false, sliding_window: 32, max_window_layers: 2,
        bos_token_id: 1, eos_token_id: [2, tokenizer.ids['<|im_end|>'] ?? 2],
      }
    case 'qwen3':
      // head_dim deliberately differs from hidden_size / heads, as in real Qwen3 checkpoints.
      return {
        ...llamaCommon, architectures: ['Qwen3ForCausalLM'], model_type: 'qwen3', num_key_value_heads: 2, head_dim: 16,
        tie_word_embeddings: true, rope_theta: 1000000, attention_bias: false, use_sliding_window: false,
      }
    case 'smollm3':
      // SmolLM3: Llama with NoPE layers. Four layers so that both kinds come twice; no
      // tie_word_embeddings, so the class default (tied) is what a reader must apply.
      return {
        ...llamaCommon, architectures: ['SmolLM3ForCausalLM'], model_type: 'smollm3', num_hidden_layers: 4, num_key_value_heads: 2,
        rope_theta: 2000000, rope_scaling: null, no_rope_layers: [1, 0, 1, 0], no_rope_layer_interval: 4, attention_bias: false, mlp_bias: false,
        use_sliding_window: false, sliding_window: null, eos_token_id: [2, tokenizer.ids['<|im_end|>'] ?? 2],
      }
    case 'gemma3_text':
      // Gemma 3 with everything that sets it apart from Llama made visible at test lengths:
      // head_dim ≠ hidden / heads, a score scale ≠ 1/√head_dim, a window of 4 on the sliding
      // layers (the middle one is global), and linear scaling on the global RoPE only.
      return {
        architectures: ['Gemma3ForCausalLM'], model_type: 'gemma3_text', vocab_size, hidden_size: 32, intermediate_size: 48,
        num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, hidden_activation: 'gelu_pytorch_tanh',
        rms_norm_eps: 1e-6, max_position_embeddings: 128, query_pre_attn_scalar: 12, sliding_window: 4,
        layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'], rope_theta: 1000000, rope_local_base_freq: 10000,
        rope_scaling: { rope_type: 'linear', factor: 2 }, tie_word_embeddings: true, attention_bias: false,
        final_logit_softcapping: null, attn_logit_softcapping: null, pad_token_id: 0, eos_token_id: 1, bos_token_id: 2, torch_dtype: 'float32',
      }
    case 'gpt2':
      return {
        architectures: ['GPT2LMHeadModel'], model_type: 'gpt2', vocab_size, n_positions: 64, n_embd: 32, n_layer: 2, n_head: 4,
        n_inner: null, activation_function: 'gelu_new', layer_norm_epsilon: 1e-5, scale_attn_weights: true,
        bos_token_id: 0, eos_token_id: 0, torch_dtype: 'float32',
      }
    case 't5':
      // T5 v1.1 shape: gated-GELU, untied head, heads·d_kv ≠ d_model; few buckets and a short max
      // distance so short test sequences reach the logarithmic buckets.
      return {
        architectures: ['T5ForConditionalGeneration'], model_type: 't5', vocab_size, d_model: 32, d_kv: 6, d_ff: 48, num_layers: 2,
        num_decoder_layers: 3, num_heads: 4, relative_attention_num_buckets: 8, relative_attention_max_distance: 16,
        layer_norm_epsilon: 1e-6, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false, is_encoder_decoder: true,
        decoder_start_token_id: 0, pad_token_id: 0, eos_token_id: 1, n_positions: 512, torch_dtype: 'float32',
      }
  }
}

function tokenizerConfig(arch: TinyArch, chatTemplate: boolean): Record<string, unknown> {
  const specials =
    arch === 'gpt2'
      ? { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' }
      : arch === 't5'
        ? { pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' }
        : arch === 'gemma3_text'
          ? { bos_token: '<bos>', eos_token: '<eos>', pad_token: '<pad>', unk_token: '<unk>' }
          : { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' }
  const tokenizerClasses: Partial<Record<TinyArch, string>> = { gpt2: 'GPT2Tokenizer', t5: 'T5Tokenizer', gemma3_text: 'GemmaTokenizer' }
  return {
    tokenizer_class: tokenizerClasses[arch] ?? 'PreTrainedTokenizerFast',
    model_max_length: 128,
    ...specials,
    ...(chatTemplate ? { chat_template: CHATML_TEMPLATE } : {}),
  }
}

function generationConfig(config: Record<string, unknown>): Record<string, unknown> {
  const keys = ['bos_token_id', 'eos_token_id', 'pad_token_id', 'decoder_start_token_id']
  return Object.fromEntries([...keys.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]), ['transformers_version', '4.46.0']])
}

// ---------------------------------------------------------------- tensors

type Random = () => number

function tensorsFor(arch: TinyArch, config: Record<string, unknown>, random: Random): TinyTensor[] {
  const c = config as Record<string, number & boolean & null>
  const out: TinyTensor[] = []
  const linear = (name: string, outDim: number, inDim: number) => out.push(tensor(name, [outDim, inDim], random, 1 / Math.sqrt(inDim)))
  const normScale = (name: string, dim: number) => out.push(tensor(name, [dim], random, 0.2, 1))
  const bias = (name: string, dim: number) => out.push(tensor(name, [dim], random, 0.1))
  const table = (name: string, rows: number, dim: number, std = 1) => out.push(tensor(name, [rows, dim], random, std))

  if (arch === 'gpt2') {
    const d = c.n_embd
    const ff = c.n_inner ?? 4 * d
    table('transformer.wte.weight', c.vocab_size, d)
    table('transformer.wpe.weight', c.n_positions, d, 0.5)
    for (let i = 0; i < c.n_layer; i++) {
      const h = `transformer.h.${i}`
      normScale(`${h}.ln_1.weight`, d)
      bias(`${h}.ln_1.bias`, d)
      // Conv1D weights are stored [in, out].
      out.push(tensor(`${h}.attn.c_attn.weight`, [d, 3 * d], random, 1 / Math.sqrt(d)))
      bias(`${h}.attn.c_attn.bias`, 3 * d)
      out.push(tensor(`${h}.attn.c_proj.weight`, [d, d], random, 1 / Math.sqrt(d)))
      bias(`${h}.attn.c_proj.bias`, d)
      normScale(`${h}.ln_2.weight`, d)
      bias(`${h}.ln_2.bias`, d)
      out.push(tensor(`${h}.mlp.c_fc.weight`, [d, ff], random, 1 / Math.sqrt(d)))
      bias(`${h}.mlp.c_fc.bias`, ff)
      out.push(tensor(`${h}.mlp.c_proj.weight`, [ff, d], random, 1 / Math.sqrt(ff)))
      bias(`${h}.mlp.c_proj.bias`, d)
    }
    normScale('transformer.ln_f.weight', d)
    bias('transformer.ln_f.bias', d)
    if (c.tie_word_embeddings === false) table('lm_head.weight', c.vocab_size, d, 1 / Math.sqrt(d))
    return out
  }

  if (arch === 't5') {
    const d = c.d_model
    const inner = c.num_heads * c.d_kv
    const gated = String(c.feed_forward_proj).startsWith('gated')
    table('shared.weight', c.vocab_size, d)
    const attention = (prefix: string) => {
      linear(`${prefix}.q.weight`, inner, d)
      linear(`${prefix}.k.weight`, inner, d)
      linear(`${prefix}.v.weight`, inner, d)
      linear(`${prefix}.o.weight`, d, inner)
    }
    const ffn = (prefix: string) => {
      if (gated) {
        linear(`${prefix}.DenseReluDense.wi_0.weight`, c.d_ff, d)
        linear(`${prefix}.DenseReluDense.wi_1.weight`, c.d_ff, d)
      } else {
        linear(`${prefix}.DenseReluDense.wi.weight`, c.d_ff, d)
      }
      linear(`${prefix}.DenseReluDense.wo.weight`, d, c.d_ff)
      normScale(`${prefix}.layer_norm.weight`, d)
    }
    for (let i = 0; i < c.num_layers; i++) {
      const b = `encoder.block.${i}.layer`
      attention(`${b}.0.SelfAttention`)
      if (i === 0) table(`${b}.0.SelfAttention.relative_attention_bias.weight`, c.relative_attention_num_buckets, c.num_heads, 0.5)
      normScale(`${b}.0.layer_norm.weight`, d)
      ffn(`${b}.1`)
    }
    normScale('encoder.final_layer_norm.weight', d)
    for (let i = 0; i < (c.num_decoder_layers ?? c.num_layers); i++) {
      const b = `decoder.block.${i}.layer`
      attention(`${b}.0.SelfAttention`)
      if (i === 0) table(`${b}.0.SelfAttention.relative_attention_bias.weight`, c.relative_attention_num_buckets, c.num_heads, 0.5)
      normScale(`${b}.0.layer_norm.weight`, d)
      attention(`${b}.1.EncDecAttention`)
      normScale(`${b}.1.layer_norm.weight`, d)
      ffn(`${b}.2`)
    }
    normScale('decoder.final_layer_norm.weight', d)
    if (c.tie_word_embeddings === false) table('lm_head.weight', c.vocab_size, d, 1 / Math.sqrt(d))
    return out
  }

  if (arch === 'gemma3_text') {
    // Gemma stores norm weights as offsets from 1: small values around 0, so that a reader
    // forgetting the 1 + w gets very different logits.
    const gemmaNorm = (name: string, dim: number) => out.push(tensor(name, [dim], random, 0.1))
    const d = c.hidden_size
    const heads = c.num_attention_heads
    const kvHeads = c.num_key_value_heads ?? heads
    const headDim = c.head_dim
    table('model.embed_tokens.weight', c.vocab_size, d)
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const l = `model.layers.${i}`
      gemmaNorm(`${l}.input_layernorm.weight`, d)
      linear(`${l}.self_attn.q_proj.weight`, heads * headDim, d)
      linear(`${l}.self_attn.k_proj.weight`, kvHeads * headDim, d)
      linear(`${l}.self_attn.v_proj.weight`, kvHeads * headDim, d)
      linear(`${l}.self_attn.o_proj.weight`, d, heads * headDim)
      if (c.attention_bias === true) {
        bias(`${l}.self_attn.q_proj.bias`, heads * headDim)
        bias(`${l}.self_attn.k_proj.bias`, kvHeads * headDim)
        bias(`${l}.self_attn.v_proj.bias`, kvHeads * headDim)
        bias(`${l}.self_attn.o_proj.bias`, d)
      }
      gemmaNorm(`${l}.self_attn.q_norm.weight`, headDim)
      gemmaNorm(`${l}.self_attn.k_norm.weight`, headDim)
      gemmaNorm(`${l}.post_attention_layernorm.weight`, d)
      gemmaNorm(`${l}.pre_feedforward_layernorm.weight`, d)
      linear(`${l}.mlp.gate_proj.weight`, c.intermediate_size, d)
      linear(`${l}.mlp.up_proj.weight`, c.intermediate_size, d)
      linear(`${l}.mlp.down_proj.weight`, d, c.intermediate_size)
      gemmaNorm(`${l}.post_feedforward_layernorm.weight`, d)
    }
    gemmaNorm('model.norm.weight', d)
    if (c.tie_word_embeddings === false) table('lm_head.weight', c.vocab_size, d, 1 / Math.sqrt(d))
    return out
  }

  // Llama family.
  const d = c.hidden_size
  const heads = c.num_attention_heads
  const kvHeads = c.num_key_value_heads ?? heads
  const headDim = c.head_dim ?? d / heads
  const qkvBias = arch === 'qwen2' || (arch !== 'mistral' && c.attention_bias === true)
  const oBias = arch !== 'qwen2' && arch !== 'mistral' && c.attention_bias === true
  const mlpBias = (arch === 'llama' || arch === 'smollm3') && c.mlp_bias === true
  const tied = arch === 'smollm3' ? c.tie_word_embeddings !== false : c.tie_word_embeddings === true // SmolLM3 ties by default
  table('model.embed_tokens.weight', c.vocab_size, d)
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `model.layers.${i}`
    normScale(`${l}.input_layernorm.weight`, d)
    linear(`${l}.self_attn.q_proj.weight`, heads * headDim, d)
    linear(`${l}.self_attn.k_proj.weight`, kvHeads * headDim, d)
    linear(`${l}.self_attn.v_proj.weight`, kvHeads * headDim, d)
    if (qkvBias) {
      bias(`${l}.self_attn.q_proj.bias`, heads * headDim)
      bias(`${l}.self_attn.k_proj.bias`, kvHeads * headDim)
      bias(`${l}.self_attn.v_proj.bias`, kvHeads * headDim)
    }
    if (arch === 'qwen3') {
      normScale(`${l}.self_attn.q_norm.weight`, headDim)
      normScale(`${l}.self_attn.k_norm.weight`, headDim)
    }
    linear(`${l}.self_attn.o_proj.weight`, d, heads * headDim)
    if (oBias) bias(`${l}.self_attn.o_proj.bias`, d)
    normScale(`${l}.post_attention_layernorm.weight`, d)
    linear(`${l}.mlp.gate_proj.weight`, c.intermediate_size, d)
    linear(`${l}.mlp.up_proj.weight`, c.intermediate_size, d)
    linear(`${l}.mlp.down_proj.weight`, d, c.intermediate_size)
    if (mlpBias) {
      bias(`${l}.mlp.gate_proj.bias`, c.intermediate_size)
      bias(`${l}.mlp.up_proj.bias`, c.intermediate_size)
      bias(`${l}.mlp.down_proj.bias`, d)
    }
  }
  normScale('model.norm.weight', d)
  if (!tied) table('lm_head.weight', c.vocab_size, d, 1 / Math.sqrt(d))
  return out
}

function tensor(name: string, shape: number[], random: Random, std: number, mean = 0): TinyTensor {
  const n = shape.reduce((a, b) => a * b, 1)
  return { name, shape, values: Float32Array.from({ length: n }, () => mean + std * random()) }
}

/** Standard normal samples from a seeded mulberry32 stream (Box–Muller). */
function gaussian(seed: number): Random {
  const next = mulberry32(seed)
  const uniform = () => (next() + 0.5) / 4294967296 // in (0, 1): log() stays finite
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

// ---------------------------------------------------------------- files

function writeWeights(dir: string, tensors: readonly TinyTensor[], dtype: TinyDType, shards: number): string[] {
  const encoded = tensors.map((t) => encode(t, dtype))
  if (shards <= 1) {
    const path = join(dir, 'model.safetensors')
    writeSafetensors(path, encoded, { format: 'pt' })
    return [path]
  }
  const pad = (n: number) => String(n).padStart(5, '0')
  const perShard = Math.ceil(encoded.length / shards)
  const weightMap: Record<string, string> = {}
  const files: string[] = []
  for (let s = 0; s < shards; s++) {
    const name = `model-${pad(s + 1)}-of-${pad(shards)}.safetensors`
    const part = encoded.slice(s * perShard, (s + 1) * perShard)
    writeSafetensors(join(dir, name), part, { format: 'pt' })
    part.forEach((t) => (weightMap[t.name] = name))
    files.push(join(dir, name))
  }
  const totalSize = encoded.reduce((n, t) => n + t.data.byteLength, 0)
  writeJson(join(dir, 'model.safetensors.index.json'), { metadata: { total_size: totalSize }, weight_map: weightMap })
  return files
}

function encode(t: TinyTensor, dtype: TinyDType): TensorToWrite {
  const engineDType: DType = dtype
  if (dtype === 'float32') return { name: t.name, dtype: engineDType, shape: t.shape, data: t.values }
  const toBits = dtype === 'float16' ? float32ToFloat16Bits : float32ToBfloat16Bits
  return { name: t.name, dtype: engineDType, shape: t.shape, data: Uint16Array.from(t.values, toBits) }
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n')
}
