import { describe, expect, it } from 'vitest'
import { makeWeightMap, type WeightMapEntry } from '../../../main/engine/models/weight-map'
import { checkWeights, parseModelConfig, weightMapFor } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { TINY_ARCHS, writeTinyModel, type TinyArch } from '../../helpers/tiny-models'

/** The tiny model generator names tensors from transformers' modeling files on its own. */
function tinyCheckpoint(arch: TinyArch, config: Record<string, unknown> = {}) {
  const tmp = makeTempDir()
  try {
    const model = writeTinyModel(tmp.dir, arch, { config })
    const spec = parseModelConfig(model.config)
    return { model, spec, map: weightMapFor(spec, new Set(model.tensors.map((t) => t.name))) }
  } finally {
    tmp.remove()
  }
}

describe('weight maps', () => {
  it.each(TINY_ARCHS)('%s: maps exactly the tensors of an independently generated checkpoint, with their shapes', (arch) => {
    const { model, map } = tinyCheckpoint(arch)
    const mapped = new Map(map.entries.map((e) => [e.hfName, e.shape]))
    expect(new Set(mapped.keys())).toEqual(new Set(model.tensors.map((t) => t.name)))
    for (const t of model.tensors) expect(mapped.get(t.name), t.name).toEqual(t.shape)
  })

  it('GPT-2: the Conv1D weights are the transposed ones, and only those', () => {
    const { map } = tinyCheckpoint('gpt2')
    const transposed = map.entries.filter((e) => e.layout === 'conv1d').map((e) => e.hfName)
    expect(transposed).toEqual(
      [0, 1].flatMap((i) => ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'].map((m) => `transformer.h.${i}.${m}.weight`)),
    )
    expect(map.get('decoder', 1, 'qkv').shape).toEqual([32, 96]) // [in, q|k|v]
    expect(map.get('decoder', null, 'embed_positions').shape).toEqual([64, 32])
    expect(map.find('decoder', null, 'lm_head')).toBeUndefined() // tied to wte
  })

  it('Llama family: roles for biases, q/k norms and the head follow the config', () => {
    const qwen2 = tinyCheckpoint('qwen2').map
    expect(qwen2.get('decoder', 0, 'k', 'bias')).toMatchObject({ hfName: 'model.layers.0.self_attn.k_proj.bias', shape: [16] })
    expect(qwen2.find('decoder', 0, 'o', 'bias')).toBeUndefined()
    const qwen3 = tinyCheckpoint('qwen3').map
    expect(qwen3.get('decoder', 1, 'q_norm')).toMatchObject({ hfName: 'model.layers.1.self_attn.q_norm.weight', shape: [16] })
    expect(qwen3.get('decoder', 1, 'q')).toMatchObject({ shape: [64, 32], layout: 'linear' }) // 4 heads × head_dim 16
    const llama = tinyCheckpoint('llama').map
    expect(llama.get('decoder', null, 'lm_head')).toMatchObject({ hfName: 'lm_head.weight', layout: 'linear' })
    expect(llama.entries.every((e) => e.layout !== 'conv1d')).toBe(true)
    const withBiases = tinyCheckpoint('llama', { attention_bias: true, mlp_bias: true }).map
    expect(withBiases.get('decoder', 0, 'o', 'bias').hfName).toBe('model.layers.0.self_attn.o_proj.bias')
    expect(withBiases.get('decoder', 0, 'down', 'bias').shape).toEqual([32])
  })

  it('T5: shared embedding for both stacks, block-0 position bias per stack, cross attention, gated FFN', () => {
    const { map } = tinyCheckpoint('t5')
    expect(map.get('encoder', null, 'embed_tokens').hfName).toBe('shared.weight')
    expect(map.get('decoder', null, 'embed_tokens').hfName).toBe('shared.weight')
    expect(map.get('decoder', null, 'relative_attention_bias').hfName).toBe('decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight')
    expect(map.get('decoder', 2, 'cross_k')).toMatchObject({ hfName: 'decoder.block.2.layer.1.EncDecAttention.k.weight', shape: [24, 32] })
    expect(map.get('encoder', 1, 'gate').hfName).toBe('encoder.block.1.layer.1.DenseReluDense.wi_0.weight')
    expect(map.find('encoder', 2, 'q')).toBeUndefined() // 2 encoder layers, 3 decoder layers
    const relu = tinyCheckpoint('t5', { feed_forward_proj: 'relu', tie_word_embeddings: true }).map
    expect(relu.find('encoder', 0, 'gate')).toBeUndefined()
    expect(relu.get('encoder', 0, 'up').hfName).toBe('encoder.block.0.layer.1.DenseReluDense.wi.weight')
    expect(relu.find('decoder', null, 'lm_head')).toBeUndefined()
  })

  it('refuses a role mapped twice, and a missing role asked for by get()', () => {
    const entry: WeightMapEntry = { role: { stack: 'decoder', layer: 0, part: 'q', param: 'weight' }, hfName: 'a', shape: [1], layout: 'linear' }
    expect(() => makeWeightMap([entry, { ...entry, hfName: 'b' }])).toThrow(/role decoder\.0\.q\.weight mapped twice \(a, b\)/)
    expect(() => makeWeightMap([entry]).get('decoder', 0, 'k')).toThrow(/no decoder\.0\.k\.weight/)
  })
})

describe('checkWeights', () => {
  const entries: WeightMapEntry[] = [
    { role: { stack: 'decoder', layer: null, part: 'embed_tokens', param: 'weight' }, hfName: 'wte', shape: [10, 4], layout: 'embedding' },
    { role: { stack: 'decoder', layer: 0, part: 'q', param: 'weight' }, hfName: 'q', shape: [4, 4], layout: 'linear' },
  ]
  it('is quiet when every tensor is there with its shape and a float dtype', () => {
    const stored = new Map([['wte', { shape: [10, 4], dtype: 'BF16', file: 'a' }], ['q', { shape: [4, 4], dtype: 'F32', file: 'a' }]])
    expect(checkWeights(entries, stored, 'a')).toEqual([])
  })
  it('reports quantized dtypes with the file and tensor', () => {
    const stored = new Map([['wte', { shape: [10, 4], dtype: 'I8', file: '/m/model.safetensors' }], ['q', { shape: [4, 4], dtype: 'F16', file: 'a' }]])
    expect(checkWeights(entries, stored, 'a')).toEqual(['/m/model.safetensors: tensor "wte" is I8; only F32, F16, BF16 weights are supported (quantized checkpoints are not)'])
  })
})
