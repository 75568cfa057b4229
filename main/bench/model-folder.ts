// A Llama-style Hugging Face folder with random float32 weights, written for the model benches:
// config.json and model.safetensors (no tokenizer: the benches feed token ids).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeSafetensors, type TensorToWrite } from '../runtime'
import { randomFloats } from './timing'

export interface BenchLlamaShape {
  hidden: number
  layers: number
  heads: number
  kvHeads: number
  ffn: number
  vocab: number
}

/** The two shapes `bench` reports models figures for. */
export const MODEL_BENCH_SHAPES: Record<'tiny' | 'wide', BenchLlamaShape> = {
  tiny: { hidden: 128, layers: 2, heads: 4, kvHeads: 2, ffn: 352, vocab: 32000 },
  // docs/BENCHMARKS.md's `medium`: 1024 wide, 16 layers, about 254M parameters (1 GB in float32).
  wide: { hidden: 1024, layers: 16, heads: 16, kvHeads: 8, ffn: 2816, vocab: 32000 },
}

export function writeBenchLlamaFolder(s: BenchLlamaShape): { dir: string; weightBytes: number; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-model-'))
  const headDim = s.hidden / s.heads
  const config = {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', vocab_size: s.vocab, hidden_size: s.hidden, intermediate_size: s.ffn,
    num_hidden_layers: s.layers, num_attention_heads: s.heads, num_key_value_heads: s.kvHeads, hidden_act: 'silu', rms_norm_eps: 1e-5,
    max_position_embeddings: 4096, rope_theta: 10000, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2, torch_dtype: 'float32',
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2))
  let seed = 1
  const tensors: TensorToWrite[] = []
  const matrix = (name: string, rows: number, cols: number) => tensors.push({ name, dtype: 'float32', shape: [rows, cols], data: randomFloats(rows * cols, Math.sqrt(3 / cols), seed++) })
  const ones = (name: string, n: number) => tensors.push({ name, dtype: 'float32', shape: [n], data: new Float32Array(n).fill(1) })
  matrix('model.embed_tokens.weight', s.vocab, s.hidden)
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`
    ones(`${p}.input_layernorm.weight`, s.hidden)
    matrix(`${p}.self_attn.q_proj.weight`, s.heads * headDim, s.hidden)
    matrix(`${p}.self_attn.k_proj.weight`, s.kvHeads * headDim, s.hidden)
    matrix(`${p}.self_attn.v_proj.weight`, s.kvHeads * headDim, s.hidden)
    matrix(`${p}.self_attn.o_proj.weight`, s.hidden, s.heads * headDim)
    ones(`${p}.post_attention_layernorm.weight`, s.hidden)
    matrix(`${p}.mlp.gate_proj.weight`, s.ffn, s.hidden)
    matrix(`${p}.mlp.up_proj.weight`, s.ffn, s.hidden)
    matrix(`${p}.mlp.down_proj.weight`, s.hidden, s.ffn)
  }
  ones('model.norm.weight', s.hidden)
  matrix('lm_head.weight', s.vocab, s.hidden)
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' })
  const weightBytes = tensors.reduce((n, t) => n + t.data.byteLength, 0)
  return { dir, weightBytes, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
