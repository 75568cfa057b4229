// A small random Llama-style model in Hugging Face layout (config.json, model.safetensors,
// tokenizer.json, tokenizer_config.json), generated in code so `mixture-studio demo` runs
// offline. Its tokenizer is the byte-level BPE built beside this file; weights are seeded
// normals scaled by 1/√fan_in, so activations stay near unit size through the layers.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Rng } from '../engine/random'
import { writeSafetensors, type TensorToWrite } from '../runtime'
import { buildByteLevelTokenizer } from './byte-level-tokenizer'

export interface DemoModelShape {
  hidden: number
  layers: number
  heads: number
  kvHeads: number
  ffn: number
}

export const DEMO_MODEL_SHAPE: DemoModelShape = { hidden: 128, layers: 4, heads: 4, kvHeads: 2, ffn: 344 }

const SPECIAL_TOKENS = ['<s>', '</s>', '<|im_start|>', '<|im_end|>']

/** Writes the model into `dir` (created if needed); returns its parameter count. */
export function writeDemoModel(dir: string, shape: DemoModelShape = DEMO_MODEL_SHAPE, seed = 7): { parameters: number; vocab: number } {
  mkdirSync(dir, { recursive: true })
  const { tokenizerJson, vocabSize } = buildByteLevelTokenizer({ merges: 200, specialTokens: SPECIAL_TOKENS })
  const id = (token: string) => SPECIAL_TOKENS.indexOf(token) + vocabSize - SPECIAL_TOKENS.length
  const vocab = Math.ceil(vocabSize / 64) * 64 // padded, as real checkpoints pad theirs
  const headDim = shape.hidden / shape.heads
  const config = {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: vocab, hidden_size: shape.hidden, intermediate_size: shape.ffn,
    num_hidden_layers: shape.layers, num_attention_heads: shape.heads, num_key_value_heads: shape.kvHeads, hidden_act: 'silu',
    rms_norm_eps: 1e-5, max_position_embeddings: 512, rope_theta: 10000, tie_word_embeddings: true,
    bos_token_id: id('<s>'), eos_token_id: id('</s>'), torch_dtype: 'float32',
  }
  const rng = new Rng(seed)
  const tensors: TensorToWrite[] = []
  const matrix = (name: string, rows: number, cols: number, std = 1 / Math.sqrt(cols)) =>
    tensors.push({ name, dtype: 'float32', shape: [rows, cols], data: rng.normalArray(rows * cols, 0, std) })
  const ones = (name: string, n: number) => tensors.push({ name, dtype: 'float32', shape: [n], data: new Float32Array(n).fill(1) })
  matrix('model.embed_tokens.weight', vocab, shape.hidden) // tied: logits start near unit scale
  for (let i = 0; i < shape.layers; i++) {
    const p = `model.layers.${i}`
    ones(`${p}.input_layernorm.weight`, shape.hidden)
    matrix(`${p}.self_attn.q_proj.weight`, shape.heads * headDim, shape.hidden)
    matrix(`${p}.self_attn.k_proj.weight`, shape.kvHeads * headDim, shape.hidden)
    matrix(`${p}.self_attn.v_proj.weight`, shape.kvHeads * headDim, shape.hidden)
    matrix(`${p}.self_attn.o_proj.weight`, shape.hidden, shape.heads * headDim, 0.5 / Math.sqrt(shape.hidden))
    ones(`${p}.post_attention_layernorm.weight`, shape.hidden)
    matrix(`${p}.mlp.gate_proj.weight`, shape.ffn, shape.hidden)
    matrix(`${p}.mlp.up_proj.weight`, shape.ffn, shape.hidden)
    matrix(`${p}.mlp.down_proj.weight`, shape.hidden, shape.ffn, 0.5 / Math.sqrt(shape.ffn))
  }
  ones('model.norm.weight', shape.hidden)
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' })
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`)
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson))
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>', add_bos_token: false, model_max_length: 512 }))
  return { parameters: tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0), vocab }
}
