// PEFT exports of LoRA and (IA)³: PEFT's tensor names and shapes (lora_A [r, in], lora_B [out, r],
// ia3_l [out, 1], or [1, in] on a feedforward module), its config, and the values round-tripping
// from the native tensors. Expected names are written out from transformers' module paths here,
// independently of the exporter.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportAdapter, moduleSuffixes } from '../../../main/export'
import { openModel } from '../../../main/models'
import { readSafetensorsHeader, readTensorBytes } from '../../../main/runtime'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../helpers/tiny-models'
import { writeRandomAdapter } from './support'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir('ms-export-peft-')))
afterAll(() => tmp.remove())

interface PeftFiles {
  config: Record<string, unknown>
  shapes: Record<string, number[]>
  values(name: string): Float32Array
}

async function exportPeft(arch: TinyArch, adapter: Parameters<typeof writeRandomAdapter>[2], label: string) {
  const dir = join(tmp.dir, label)
  const model = openModel(writeTinyModel(join(dir, 'base'), arch).dir)
  const folder = writeRandomAdapter(join(dir, 'adapter'), model, adapter)
  const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'peft', out: join(dir, 'peft') })
  const file = readSafetensorsHeader(join(result.path, 'adapter_model.safetensors'))
  const peft: PeftFiles = {
    config: JSON.parse(readFileSync(join(result.path, 'adapter_config.json'), 'utf8')) as Record<string, unknown>,
    shapes: Object.fromEntries([...file.tensors.values()].map((e) => [e.name, e.shape])),
    values: (name) => {
      expect(file.tensors.get(name)?.dtype).toBe('F32')
      const bytes = readTensorBytes(file, name)
      return new Float32Array(bytes.slice().buffer)
    },
  }
  const native = (name: string) => {
    const t = folder.tensors.get(name)
    if (!t) throw new Error(`no native tensor ${name}`)
    return t.data
  }
  return { model, folder, result, peft, native, metadata: file.metadata }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const P = 'base_model.model.'

describe('PEFT (IA)³', () => {
  it('Llama family under GQA (mistral: 2 KV heads of 8): k/v [kv_heads·head_dim, 1], down_proj [1, d_ff]', async () => {
    const { peft, native, metadata } = await exportPeft('mistral', { method: 'ia3' }, 'mistral-ia3')
    const expected: Record<string, number[]> = {}
    for (const i of range(2)) {
      expected[`${P}model.layers.${i}.self_attn.k_proj.ia3_l`] = [16, 1]
      expected[`${P}model.layers.${i}.self_attn.v_proj.ia3_l`] = [16, 1]
      expected[`${P}model.layers.${i}.mlp.down_proj.ia3_l`] = [1, 48]
    }
    expect(peft.shapes).toEqual(expected)
    expect(peft.config).toMatchObject({ peft_type: 'IA3', task_type: 'CAUSAL_LM', target_modules: ['down_proj', 'k_proj', 'v_proj'], feedforward_modules: ['down_proj'], fan_in_fan_out: false, inference_mode: true })
    expect(peft.values(`${P}model.layers.1.self_attn.k_proj.ia3_l`)).toEqual(native('model.layers.1.self_attn.k_proj.ia3_l'))
    expect(peft.values(`${P}model.layers.0.mlp.down_proj.ia3_l`)).toEqual(native('model.layers.0.mlp.ia3_l'))
    expect(metadata).toEqual({ format: 'pt' })
  })

  it('GPT-2: k and v are the 2nd and 3rd thirds of c_attn [3d, 1] (q stays 1), the FFN is mlp.c_proj [1, d_ff]', async () => {
    const { peft, native } = await exportPeft('gpt2', { method: 'ia3' }, 'gpt2-ia3')
    const expected: Record<string, number[]> = {}
    for (const i of range(2)) {
      expected[`${P}transformer.h.${i}.attn.c_attn.ia3_l`] = [96, 1]
      expected[`${P}transformer.h.${i}.mlp.c_proj.ia3_l`] = [1, 128]
    }
    expect(peft.shapes).toEqual(expected)
    expect(peft.config).toMatchObject({ peft_type: 'IA3', target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'], fan_in_fan_out: true })
    const fused = peft.values(`${P}transformer.h.1.attn.c_attn.ia3_l`)
    expect(Array.from(fused.subarray(0, 32))).toEqual(new Array(32).fill(1))
    expect(fused.subarray(32, 64)).toEqual(native('transformer.h.1.attn.c_attn.k.ia3_l'))
    expect(fused.subarray(64, 96)).toEqual(native('transformer.h.1.attn.c_attn.v.ia3_l'))
    expect(peft.values(`${P}transformer.h.0.mlp.c_proj.ia3_l`)).toEqual(native('transformer.h.0.mlp.ia3_l'))
  })

  it('T5: k/v of self- and cross-attention [heads·d_kv, 1], wo [1, d_ff], seq2seq task', async () => {
    const { peft, native } = await exportPeft('t5', { method: 'ia3' }, 't5-ia3')
    const expected: Record<string, number[]> = {}
    for (const i of range(2)) {
      for (const p of ['k', 'v']) expected[`${P}encoder.block.${i}.layer.0.SelfAttention.${p}.ia3_l`] = [24, 1]
      expected[`${P}encoder.block.${i}.layer.1.DenseReluDense.wo.ia3_l`] = [1, 48]
    }
    for (const i of range(3)) {
      for (const p of ['k', 'v']) {
        expected[`${P}decoder.block.${i}.layer.0.SelfAttention.${p}.ia3_l`] = [24, 1]
        expected[`${P}decoder.block.${i}.layer.1.EncDecAttention.${p}.ia3_l`] = [24, 1]
      }
      expected[`${P}decoder.block.${i}.layer.2.DenseReluDense.wo.ia3_l`] = [1, 48]
    }
    expect(peft.shapes).toEqual(expected)
    expect(peft.config).toMatchObject({ peft_type: 'IA3', task_type: 'SEQ_2_SEQ_LM', target_modules: ['k', 'v', 'wo'], feedforward_modules: ['wo'], fan_in_fan_out: false })
    expect(peft.values(`${P}decoder.block.2.layer.1.EncDecAttention.v.ia3_l`)).toEqual(native('decoder.block.2.layer.1.EncDecAttention.v.ia3_l'))
    expect(peft.values(`${P}encoder.block.1.layer.1.DenseReluDense.wo.ia3_l`)).toEqual(native('encoder.block.1.layer.1.DenseReluDense.ia3_l'))
  })

  it('only the sites trained are targeted', async () => {
    const { peft } = await exportPeft('llama', { method: 'ia3', sites: ['v'] }, 'llama-ia3-v')
    expect(Object.keys(peft.shapes).sort()).toEqual([`${P}model.layers.0.self_attn.v_proj.ia3_l`, `${P}model.layers.1.self_attn.v_proj.ia3_l`])
    expect(peft.config).toMatchObject({ target_modules: ['v_proj'], feedforward_modules: [] })
  })
})

describe('PEFT LoRA', () => {
  it('Llama: lora_A [r, in], lora_B [out, r] on q, k, v, o, gate, down', async () => {
    const { peft, native, result } = await exportPeft('llama', { method: 'lora', rank: 4, alpha: 8 }, 'llama-lora')
    const dims: Record<string, [number, number]> = { 'self_attn.q_proj': [32, 32], 'self_attn.k_proj': [32, 32], 'self_attn.v_proj': [32, 32], 'self_attn.o_proj': [32, 32], 'mlp.gate_proj': [32, 48], 'mlp.down_proj': [48, 32] }
    const expected: Record<string, number[]> = {}
    for (const i of range(2)) {
      for (const [m, [inF, outF]] of Object.entries(dims)) {
        expected[`${P}model.layers.${i}.${m}.lora_A.weight`] = [4, inF]
        expected[`${P}model.layers.${i}.${m}.lora_B.weight`] = [outF, 4]
      }
    }
    expect(peft.shapes).toEqual(expected)
    expect(peft.config).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, lora_dropout: 0, bias: 'none', fan_in_fan_out: false,
      target_modules: ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'v_proj'],
    })
    expect(peft.values(`${P}model.layers.1.mlp.down_proj.lora_B.weight`)).toEqual(native('model.layers.1.mlp.down_proj.lora_B.weight'))
    expect(peft.values(`${P}model.layers.0.self_attn.q_proj.lora_A.weight`)).toEqual(native('model.layers.0.self_attn.q_proj.lora_A.weight'))
    expect(result.files.map((f) => f.path.slice(result.path.length + 1))).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors'])
  })

  it('GPT-2 Conv1D: nn.Linear shapes for A and B, fan_in_fan_out, mlp.c_proj told apart from attn.c_proj', async () => {
    const { peft } = await exportPeft('gpt2', { method: 'lora', rank: 2 }, 'gpt2-lora')
    const dims: Record<string, [number, number]> = { 'attn.c_attn': [32, 96], 'attn.c_proj': [32, 32], 'mlp.c_fc': [32, 128], 'mlp.c_proj': [128, 32] }
    const expected: Record<string, number[]> = {}
    for (const i of range(2)) {
      for (const [m, [inF, outF]] of Object.entries(dims)) {
        expected[`${P}transformer.h.${i}.${m}.lora_A.weight`] = [2, inF]
        expected[`${P}transformer.h.${i}.${m}.lora_B.weight`] = [outF, 2]
      }
    }
    expect(peft.shapes).toEqual(expected)
    // Both c_proj are adapted, so "c_proj" selects exactly them.
    expect(peft.config).toMatchObject({ peft_type: 'LORA', fan_in_fan_out: true, target_modules: ['c_attn', 'c_fc', 'c_proj'] })
    const ffnOnly = await exportPeft('gpt2', { method: 'lora', rank: 2, sites: ['mlp_c_proj'] }, 'gpt2-lora-ffn')
    expect(Object.keys(ffnOnly.peft.shapes)).toHaveLength(4)
    expect(ffnOnly.peft.config).toMatchObject({ target_modules: ['mlp.c_proj'] })
  })

  it('T5: q, k, v, o of every attention, wi_0 and wo', async () => {
    const { peft } = await exportPeft('t5', { method: 'lora', rank: 2 }, 't5-lora')
    const attention = { q: [32, 24], k: [32, 24], v: [32, 24], o: [24, 32] } as Record<string, [number, number]>
    const expected: Record<string, number[]> = {}
    const add = (module: string, [inF, outF]: [number, number]) => {
      expected[`${P}${module}.lora_A.weight`] = [2, inF]
      expected[`${P}${module}.lora_B.weight`] = [outF, 2]
    }
    for (const i of range(2)) {
      for (const [p, d] of Object.entries(attention)) add(`encoder.block.${i}.layer.0.SelfAttention.${p}`, d)
      add(`encoder.block.${i}.layer.1.DenseReluDense.wi_0`, [32, 48])
      add(`encoder.block.${i}.layer.1.DenseReluDense.wo`, [48, 32])
    }
    for (const i of range(3)) {
      for (const [p, d] of Object.entries(attention)) {
        add(`decoder.block.${i}.layer.0.SelfAttention.${p}`, d)
        add(`decoder.block.${i}.layer.1.EncDecAttention.${p}`, d)
      }
      add(`decoder.block.${i}.layer.2.DenseReluDense.wi_0`, [32, 48])
      add(`decoder.block.${i}.layer.2.DenseReluDense.wo`, [48, 32])
    }
    expect(peft.shapes).toEqual(expected)
    expect(peft.config).toMatchObject({ task_type: 'SEQ_2_SEQ_LM', target_modules: ['k', 'o', 'q', 'v', 'wi_0', 'wo'] })
  })
})

describe('target_modules suffixes', () => {
  it('are the shortest suffixes that select exactly the adapted modules', () => {
    const all = ['t.h.0.attn.c_attn', 't.h.0.attn.c_proj', 't.h.0.mlp.c_fc', 't.h.0.mlp.c_proj', 't.h.1.attn.c_proj', 't.h.1.mlp.c_proj']
    expect(moduleSuffixes(['t.h.0.mlp.c_proj', 't.h.1.mlp.c_proj'], all)).toEqual(['mlp.c_proj'])
    expect(moduleSuffixes(['t.h.0.attn.c_proj', 't.h.0.mlp.c_proj', 't.h.1.attn.c_proj', 't.h.1.mlp.c_proj'], all)).toEqual(['c_proj'])
    // Only layer 0's FFN output: nothing shorter than its full path singles it out.
    expect(moduleSuffixes(['t.h.0.mlp.c_proj'], all)).toEqual(['0.mlp.c_proj'])
  })
})
