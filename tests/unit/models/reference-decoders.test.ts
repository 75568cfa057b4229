// The float64 reference of the decoder-only architectures, cross-checked on cases worked out by
// hand and on invariants every correct implementation has (causality, padding, equivalent models).
import { describe, expect, it } from 'vitest'
import { float32ToBfloat16Bits, float32ToFloat16Bits } from '../../helpers/half-floats'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyArch, type TinyModelOptions, type TinyTensor } from '../../helpers/tiny-models'
import { bfloat16BitsToNumber, float16BitsToNumber, referenceLogits, type Logits } from '../../reference'

const DECODERS: TinyArch[] = ['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3', 'gemma3_text', 'gpt2']
const TOKENS = [5, 9, 14, 3, 22, 7, 30, 11]

const models = useTinyModels()
const tiny = models.write
function logitsOf(arch: TinyArch, options: TinyModelOptions = {}, ids: number[][] = [TOKENS], mask?: number[][]): Logits {
  return referenceLogits(tiny(arch, options).dir, { ids, mask })
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}
const zeroed = (pattern: RegExp) => (ts: TinyTensor[]) => ts.map((t) => (pattern.test(t.name) ? { ...t, values: new Float32Array(t.values.length) } : t))
const tensor = (ts: TinyTensor[], name: string) => ts.find((t) => t.name === name)!.values

describe.each(DECODERS)('%s reference: invariants', (arch) => {
  it('is causal: a later token never changes earlier logits', () => {
    const dir = tiny(arch).dir
    const changed = [...TOKENS]
    changed[5] = 40
    const a = referenceLogits(dir, { ids: [TOKENS] })
    const b = referenceLogits(dir, { ids: [changed] })
    for (let t = 0; t < 5; t++) expect(Array.from(b.at(0, t))).toEqual(Array.from(a.at(0, t)))
    for (let t = 5; t < 8; t++) expect(maxDiff(a.at(0, t), b.at(0, t))).toBeGreaterThan(1e-3)
    expect(a.data.every(Number.isFinite)).toBe(true)
  })

  it('padding: left- and right-padded rows equal the unpadded sequence on their real tokens', () => {
    const dir = tiny(arch).dir
    const real = TOKENS.slice(0, 5)
    const alone = referenceLogits(dir, { ids: [real] })
    const padded = referenceLogits(dir, {
      ids: [[0, 0, 0, ...real], [...real, 0, 0, 0], TOKENS.slice(0, 8)],
      mask: [[0, 0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]],
    })
    for (let t = 0; t < 5; t++) {
      expect(maxDiff(padded.at(0, t + 3), alone.at(0, t))).toBeLessThan(1e-12)
      expect(maxDiff(padded.at(1, t), alone.at(0, t))).toBeLessThan(1e-12)
      expect(maxDiff(padded.at(2, t), alone.at(0, t))).toBeLessThan(1e-12) // the batch's other rows do not leak in
    }
    expect(padded.at(0, 0).every(Number.isNaN)).toBe(true)
    expect(padded.at(1, 7).every(Number.isNaN)).toBe(true)
    expect(padded.at(2, 7).every(Number.isFinite)).toBe(true)
  })

  it('reads float16 and bfloat16 weights exactly, and shards the same as one file', () => {
    const reference = logitsOf(arch)
    expect(maxDiff(logitsOf(arch, { shards: 3 }).data, reference.data)).toBe(0)
    for (const [dtype, encode, decode] of [
      ['float16', float32ToFloat16Bits, float16BitsToNumber],
      ['bfloat16', float32ToBfloat16Bits, bfloat16BitsToNumber],
    ] as const) {
      const half = logitsOf(arch, { dtype })
      const rounded = logitsOf(arch, { editTensors: (ts) => ts.map((t) => ({ ...t, values: t.values.map((v) => decode(encode(v))) })) })
      expect(maxDiff(half.data, rounded.data), dtype).toBeLessThan(1e-12)
      expect(maxDiff(half.data, reference.data), dtype).toBeGreaterThan(1e-6) // the rounding is really there
    }
  })
})

describe('Llama-family reference: hand-checked cases', () => {
  it('with attention and MLP outputs zeroed, logits = lm_head(RMSNorm(embedding))', () => {
    const model = tiny('llama', { config: { num_hidden_layers: 1 }, editTensors: zeroed(/o_proj|down_proj/) })
    const logits = referenceLogits(model.dir, { ids: [[7, 3]] })
    const embedding = tensor(model.tensors, 'model.embed_tokens.weight')
    const norm = tensor(model.tensors, 'model.norm.weight')
    const head = tensor(model.tensors, 'lm_head.weight')
    for (const [t, id] of [7, 3].entries()) {
      const x = embedding.slice(id * 32, id * 32 + 32)
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / 32 + 1e-6)
      for (const vocabRow of [0, 17, 63]) {
        let expected = 0
        for (let i = 0; i < 32; i++) expected += (x[i] / rms) * norm[i] * head[vocabRow * 32 + i]
        expect(logits.at(0, t)[vocabRow]).toBeCloseTo(expected, 12)
      }
    }
  })

  it('with q = k = 0 attention averages the values of the visible tokens (GQA: heads 0,1 → kv 0; 2,3 → kv 1)', () => {
    // Mistral tiny: 4 heads, 2 kv heads, head_dim 8. Zero q/k make every score 0 and RoPE irrelevant.
    const model = tiny('mistral', { config: { num_hidden_layers: 1 }, editTensors: zeroed(/q_proj|k_proj|down_proj/) })
    const ids = [9, 4, 21]
    const logits = referenceLogits(model.dir, { ids: [[0, ...ids]], mask: [[0, 1, 1, 1]] }) // left pad must not be averaged in
    const w = (name: string) => tensor(model.tensors, name)
    const embedding = w('model.embed_tokens.weight')
    const rmsNorm = (x: number[], weight: Float32Array) => {
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-6)
      return Array.from(x, (v, i) => (v / rms) * weight[i])
    }
    const matVec = (m: Float32Array, rows: number, cols: number, x: number[]) => Array.from({ length: rows }, (_, r) => x.reduce((s, v, c) => s + m[r * cols + c] * v, 0))
    const xs = ids.map((id) => Array.from(embedding.slice(id * 32, id * 32 + 32)))
    const values = xs.map((x) => matVec(w('model.layers.0.self_attn.v_proj.weight'), 16, 32, rmsNorm(x, w('model.layers.0.input_layernorm.weight')))) // [kv 2 × 8]
    const t = 2
    const mean = values[0].map((_, i) => (values[0][i] + values[1][i] + values[2][i]) / 3) // all three visible from t = 2
    const headsOut = [0, 1, 2, 3].flatMap((h) => mean.slice(Math.floor(h / 2) * 8, Math.floor(h / 2) * 8 + 8)) // [4 heads × 8]
    const attnOut = matVec(w('model.layers.0.self_attn.o_proj.weight'), 32, 32, headsOut)
    const x = xs[t].map((v, i) => v + attnOut[i])
    const final = rmsNorm(x, w('model.norm.weight'))
    const expected = matVec(embedding, 64, 32, final) // tied head
    expect(maxDiff(logits.at(0, t + 1), expected)).toBeLessThan(1e-10)
  })

  it('grouped KV heads equal full heads with each kv head repeated for its group', () => {
    const gqa = tiny('mistral')
    const duplicated = (ts: TinyTensor[]) =>
      ts.map((t) => {
        if (!/[kv]_proj\.weight$/.test(t.name)) return t
        const rows = [0, 0, 1, 1].flatMap((kv) => Array.from(t.values.slice(kv * 8 * 32, (kv + 1) * 8 * 32)))
        return { ...t, shape: [32, 32], values: Float32Array.from(rows) }
      })
    const full = tiny('mistral', { config: { num_key_value_heads: 4 }, editTensors: () => duplicated(gqa.tensors) })
    expect(maxDiff(referenceLogits(full.dir, { ids: [TOKENS] }).data, referenceLogits(gqa.dir, { ids: [TOKENS] }).data)).toBeLessThan(1e-12)
  })

  it('a tied head equals an untied one holding a copy of the embedding', () => {
    const tied = tiny('mistral')
    const embedding = tied.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
    const untied = tiny('mistral', { config: { tie_word_embeddings: false }, editTensors: () => [...tied.tensors, { ...embedding, name: 'lm_head.weight' }] })
    expect(maxDiff(referenceLogits(untied.dir, { ids: [TOKENS] }).data, referenceLogits(tied.dir, { ids: [TOKENS] }).data)).toBe(0)
  })

  it('qwen2 with zero q/k/v biases equals the same weights read as a bias-free llama; real biases matter', () => {
    const noBias = tiny('qwen2', { editTensors: zeroed(/_proj\.bias$/) })
    const asLlama = tiny('qwen2', { config: { model_type: 'llama' }, editTensors: () => noBias.tensors.filter((t) => !t.name.endsWith('.bias')) })
    const a = referenceLogits(noBias.dir, { ids: [TOKENS] })
    expect(maxDiff(referenceLogits(asLlama.dir, { ids: [TOKENS] }).data, a.data)).toBe(0)
    expect(maxDiff(logitsOf('qwen2').data, a.data)).toBeGreaterThan(1e-3)
  })

  it('qwen3 normalizes q and k per head: scaling q_proj and k_proj changes nothing (it does without q/k norm)', () => {
    const scaled = (ts: TinyTensor[]) => ts.map((t) => (/[qk]_proj\.weight$/.test(t.name) ? { ...t, values: t.values.map((v) => v * 8) } : t))
    const config = { rms_norm_eps: 1e-14 } // so eps does not blur the scale invariance
    expect(maxDiff(logitsOf('qwen3', { config, editTensors: scaled }).data, logitsOf('qwen3', { config }).data)).toBeLessThan(1e-10)
    expect(maxDiff(logitsOf('qwen2', { config, editTensors: scaled }).data, logitsOf('qwen2', { config }).data)).toBeGreaterThan(1e-2)
  })

  it('mistral sliding window: a token leaves the view of queries window or more positions later', () => {
    const model = tiny('mistral', { config: { num_hidden_layers: 1, sliding_window: 3 } })
    const changed = [...TOKENS]
    changed[2] = 40
    const a = referenceLogits(model.dir, { ids: [TOKENS] })
    const b = referenceLogits(model.dir, { ids: [changed] })
    expect(maxDiff(a.at(0, 4), b.at(0, 4))).toBeGreaterThan(1e-3) // 4 − 2 = 2 < 3: seen
    expect(Array.from(b.at(0, 5))).toEqual(Array.from(a.at(0, 5))) // 5 − 2 = 3: out of the window
  })

  it('rope scaling takes effect: llama3 and linear scaling change the logits, and factor 1 changes nothing', () => {
    const plain = logitsOf('qwen2', { config: { rope_scaling: null } })
    expect(maxDiff(logitsOf('qwen2').data, plain.data)).toBeGreaterThan(1e-3) // the tiny qwen2 uses linear factor 2
    expect(maxDiff(logitsOf('qwen2', { config: { rope_scaling: { type: 'linear', factor: 1 } } }).data, plain.data)).toBe(0)
    expect(maxDiff(logitsOf('llama').data, logitsOf('llama', { config: { rope_scaling: null } }).data)).toBeGreaterThan(1e-3)
  })
})

describe('GPT-2 reference: hand-checked cases', () => {
  it('with block outputs zeroed, logits = LayerNorm_f(wte + wpe at the real positions)·wteᵀ', () => {
    const model = tiny('gpt2', { config: { n_layer: 1 }, editTensors: zeroed(/c_proj\.(weight|bias)$/) })
    const logits = referenceLogits(model.dir, { ids: [[0, 0, 12, 40]], mask: [[0, 0, 1, 1]] })
    const wte = tensor(model.tensors, 'transformer.wte.weight')
    const wpe = tensor(model.tensors, 'transformer.wpe.weight')
    const gamma = tensor(model.tensors, 'transformer.ln_f.weight')
    const beta = tensor(model.tensors, 'transformer.ln_f.bias')
    for (const [position, id] of [12, 40].entries()) {
      const x = Array.from({ length: 32 }, (_, i) => wte[id * 32 + i] + wpe[position * 32 + i])
      const mean = x.reduce((a, b) => a + b) / 32
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / 32
      const normed = x.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[i] + beta[i])
      for (const row of [0, 50, 103]) {
        const expected = normed.reduce((s, v, i) => s + v * wte[row * 32 + i], 0)
        expect(logits.at(0, position + 2)[row]).toBeCloseTo(expected, 11)
      }
    }
  })

  it('scale_attn_by_inverse_layer_idx divides layer i scores by i+1 (same as halving layer 1 queries)', () => {
    const halveLayer1Queries = (ts: TinyTensor[]) =>
      ts.map((t) => {
        if (!t.name.startsWith('transformer.h.1.attn.c_attn.')) return t
        const values = Float32Array.from(t.values)
        const columns = t.shape.length === 2 ? t.shape[1] : t.shape[0]
        for (let i = 0; i < values.length; i++) if (i % columns < 32) values[i] *= 0.5 // q columns of [q|k|v]
        return { ...t, values }
      })
    const flagged = logitsOf('gpt2', { config: { scale_attn_by_inverse_layer_idx: true } })
    expect(maxDiff(flagged.data, logitsOf('gpt2', { editTensors: halveLayer1Queries }).data)).toBeLessThan(1e-12)
    expect(maxDiff(flagged.data, logitsOf('gpt2').data)).toBeGreaterThan(1e-4)
  })
})
