// The float64 reference of SmolLM3 (model_type smollm3), checked without the engine: a NoPE layer
// worked out by hand, and invariants that only hold if no_rope_layers, its interval default, the
// tied-head default and the o_proj bias are read the way transformers reads them. Causality,
// padding, half-precision weights and shards are checked with the other decoders in
// reference-decoders.test.ts.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyModelOptions, type TinyTensor } from '../../helpers/tiny-models'
import { referenceLogits, type Logits } from '../../reference'

const TOKENS = [5, 9, 14, 3, 22, 7, 30, 11]
const ALL_NOPE = [0, 0, 0, 0]
const ALL_ROPE = [1, 1, 1, 1]

const models = useTinyModels()
function logitsOf(options: TinyModelOptions = {}, ids: number[][] = [TOKENS], mask?: number[][]): Logits {
  return referenceLogits(models.write('smollm3', options).dir, { ids, mask })
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}
const zeroed = (pattern: RegExp) => (ts: TinyTensor[]) => ts.map((t) => (pattern.test(t.name) ? { ...t, values: new Float32Array(t.values.length) } : t))

// Plain-array versions of the pieces, for the case worked out by hand.
const matVec = (m: Float32Array, rows: number, cols: number, x: number[]) =>
  Array.from({ length: rows }, (_, r) => x.reduce((s, v, c) => s + m[r * cols + c] * v, 0))
const rmsNorm = (x: number[], w: Float32Array) => {
  const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-6)
  return x.map((v, i) => (v / rms) * w[i])
}

describe('SmolLM3 reference: hand-checked case', () => {
  it('a NoPE layer scores unrotated q·k/√head_dim (GQA, after a left pad), adds o_proj(attn), and heads through the tied embedding', () => {
    // One NoPE layer, MLP silenced: logits = E·N(x + o(attn(N(x)))) with nothing rotated at position 2.
    const model = models.write('smollm3', { config: { num_hidden_layers: 1, no_rope_layers: [0] }, editTensors: zeroed(/down_proj/) })
    const ids = [9, 4, 21]
    const logits = referenceLogits(model.dir, { ids: [[0, ...ids]], mask: [[0, 1, 1, 1]] })
    const w = (name: string) => model.tensors.find((t) => t.name === name)!.values
    const p = 'model.layers.0.self_attn'
    const embedding = w('model.embed_tokens.weight')
    const xs = ids.map((id) => Array.from(embedding.slice(id * 32, id * 32 + 32)))
    const hs = xs.map((x) => rmsNorm(x, w('model.layers.0.input_layernorm.weight')))
    const q = matVec(w(`${p}.q_proj.weight`), 32, 32, hs[2]) // [4 heads × 8]
    const ks = hs.map((h) => matVec(w(`${p}.k_proj.weight`), 16, 32, h)) // [2 kv × 8]
    const vs = hs.map((h) => matVec(w(`${p}.v_proj.weight`), 16, 32, h))
    const heads = [0, 1, 2, 3].flatMap((h) => {
      const kv = Math.floor(h / 2) // heads 0, 1 read kv head 0; heads 2, 3 kv head 1
      const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0)
      const scores = ks.map((k) => dot(q.slice(h * 8, h * 8 + 8), k.slice(kv * 8, kv * 8 + 8)) / Math.sqrt(8))
      const e = scores.map((s) => Math.exp(s - Math.max(...scores)))
      const total = e.reduce((a, b) => a + b)
      return Array.from({ length: 8 }, (_, d) => vs.reduce((s, v, j) => s + (e[j] / total) * v[kv * 8 + d], 0))
    })
    const x = xs[2].map((v, i) => v + matVec(w(`${p}.o_proj.weight`), 32, 32, heads)[i])
    const expected = matVec(embedding, 64, 32, rmsNorm(x, w('model.norm.weight')))
    expect(maxDiff(logits.at(0, 3), expected)).toBeLessThan(1e-10)
    // The same layer with RoPE does rotate: position 2 is far enough from 0 to show.
    const roped = models.write('smollm3', { config: { num_hidden_layers: 1, no_rope_layers: [1] }, editTensors: zeroed(/down_proj/) })
    expect(maxDiff(referenceLogits(roped.dir, { ids: [ids] }).at(0, 2), expected)).toBeGreaterThan(1e-3)
  })
})

describe('SmolLM3 reference: NoPE layers', () => {
  it('no_rope_layers all 0: the RoPE settings change nothing; with RoPE layers present they do', () => {
    const noPE = logitsOf({ config: { no_rope_layers: ALL_NOPE } })
    const otherRope = { rope_theta: 500, rope_scaling: { rope_type: 'linear', factor: 3 } }
    expect(maxDiff(logitsOf({ config: { no_rope_layers: ALL_NOPE, ...otherRope } }).data, noPE.data)).toBe(0)
    expect(maxDiff(logitsOf({ config: otherRope }).data, logitsOf().data)).toBeGreaterThan(1e-4) // [1, 0, 1, 0]
    expect(maxDiff(logitsOf().data, noPE.data)).toBeGreaterThan(1e-4)
  })

  it('entry i switches layer i: [1, 0, 1, 0], [0, 1, 0, 1] and all-RoPE all differ', () => {
    const listed = logitsOf().data
    expect(maxDiff(logitsOf({ config: { no_rope_layers: [0, 1, 0, 1] } }).data, listed)).toBeGreaterThan(1e-4)
    expect(maxDiff(logitsOf({ config: { no_rope_layers: ALL_ROPE } }).data, listed)).toBeGreaterThan(1e-4)
    expect(maxDiff(logitsOf({ config: { no_rope_layers: [1, 0, 1, 0, 1, 1] } }).data, listed)).toBe(0) // a longer list: the first num_hidden_layers count
  })

  it('a single NoPE layer sees its keys as a set: permuting the earlier tokens leaves the last logits unchanged (not with RoPE)', () => {
    const oneLayer = (flag: number) => ({ config: { num_hidden_layers: 1, no_rope_layers: [flag] } })
    const permuted = [TOKENS[4], TOKENS[0], TOKENS[6], TOKENS[2], TOKENS[5], TOKENS[1], TOKENS[3], TOKENS[7]]
    const last = (options: TinyModelOptions, ids: number[]) => logitsOf(options, [ids]).at(0, 7)
    expect(maxDiff(last(oneLayer(0), permuted), last(oneLayer(0), TOKENS))).toBeLessThan(1e-12)
    expect(maxDiff(last(oneLayer(1), permuted), last(oneLayer(1), TOKENS))).toBeGreaterThan(1e-4)
  })

  it('without no_rope_layers (absent or null), layer i is NoPE when (i + 1) is a multiple of no_rope_layer_interval (default 4)', () => {
    const listed = logitsOf().data // [1, 0, 1, 0]
    expect(maxDiff(logitsOf({ config: { no_rope_layers: undefined, no_rope_layer_interval: 2 } }).data, listed)).toBe(0)
    expect(maxDiff(logitsOf({ config: { no_rope_layers: null, no_rope_layer_interval: 2 } }).data, listed)).toBe(0)
    const byDefault = logitsOf({ config: { no_rope_layers: undefined, no_rope_layer_interval: undefined } }).data
    expect(maxDiff(byDefault, logitsOf({ config: { no_rope_layers: [1, 1, 1, 0] } }).data)).toBe(0)
    expect(maxDiff(byDefault, listed)).toBeGreaterThan(1e-4)
  })

  it('refuses a no_rope_layers shorter than the layers, and use_sliding_window', () => {
    expect(() => logitsOf({ config: { no_rope_layers: [1, 0, 1] } })).toThrow(/no_rope_layers must list at least num_hidden_layers \(4\)/)
    expect(() => logitsOf({ config: { use_sliding_window: true, sliding_window: 4 } })).toThrow(/use_sliding_window/)
  })
})

describe('SmolLM3 reference: the rest is Llama', () => {
  it('with RoPE on every layer it equals the same checkpoint read as llama (tied, same theta), with and without attention biases', () => {
    for (const attention_bias of [false, true]) {
      const config = { no_rope_layers: ALL_ROPE, attention_bias }
      const smol = models.write('smollm3', { config })
      const asLlama = models.write('smollm3', { config: { ...config, model_type: 'llama', tie_word_embeddings: true }, editTensors: () => smol.tensors })
      const a = referenceLogits(smol.dir, { ids: [TOKENS] }).data
      expect(maxDiff(referenceLogits(asLlama.dir, { ids: [TOKENS] }).data, a), `attention_bias ${attention_bias}`).toBe(0)
    }
  })

  it('rope_theta defaults to 2e6 (not Llama\'s 1e4)', () => {
    const stated = logitsOf().data // rope_theta 2000000
    expect(maxDiff(logitsOf({ config: { rope_theta: undefined } }).data, stated)).toBe(0)
    expect(maxDiff(logitsOf({ config: { rope_theta: 10000 } }).data, stated)).toBeGreaterThan(1e-4)
  })

  it('attention_bias adds biases to q, k, v and o_proj (o_proj\'s reaches the residual), never to the MLP', () => {
    const biased = models.write('smollm3', { config: { attention_bias: true } })
    const names = biased.tensors.map((t) => t.name).filter((n) => n.endsWith('.bias'))
    expect(names.filter((n) => n.startsWith('model.layers.0.'))).toEqual(['q', 'k', 'v', 'o'].map((m) => `model.layers.0.self_attn.${m}_proj.bias`))
    expect(names).toHaveLength(16)
    const withBias = referenceLogits(biased.dir, { ids: [TOKENS] }).data
    expect(maxDiff(logitsOf({ config: { attention_bias: true }, editTensors: zeroed(/o_proj\.bias/) }).data, withBias)).toBeGreaterThan(1e-3)
    const unbiased = logitsOf({ editTensors: () => biased.tensors.filter((t) => !t.name.endsWith('.bias')) }).data // the same other weights
    expect(maxDiff(logitsOf({ config: { attention_bias: true }, editTensors: zeroed(/_proj\.bias/) }).data, unbiased)).toBe(0)

    // With the attention and MLP outputs silenced but for the o bias: logits = E·N(x + b_o).
    const model = models.write('smollm3', { config: { num_hidden_layers: 1, no_rope_layers: [1], attention_bias: true }, editTensors: zeroed(/o_proj\.weight|down_proj/) })
    const w = (name: string) => model.tensors.find((t) => t.name === name)!.values
    const embedding = w('model.embed_tokens.weight')
    const x = Array.from(embedding.slice(14 * 32, 15 * 32), (v, i) => v + w('model.layers.0.self_attn.o_proj.bias')[i])
    const expected = matVec(embedding, 64, 32, rmsNorm(x, w('model.norm.weight')))
    expect(maxDiff(referenceLogits(model.dir, { ids: [[14]] }).at(0, 0), expected)).toBeLessThan(1e-10)
  })

  it('mlp_bias (a SmolLM3Config field, default false) adds gate, up and down biases as in Llama', () => {
    const biased = models.write('smollm3', { config: { mlp_bias: true } })
    expect(biased.tensors.filter((t) => /^model\.layers\.0\.mlp\..*\.bias$/.test(t.name))).toHaveLength(3)
    const unbiased = logitsOf({ editTensors: () => biased.tensors.filter((t) => !t.name.endsWith('.bias')) }).data // the same other weights
    expect(maxDiff(referenceLogits(biased.dir, { ids: [TOKENS] }).data, unbiased)).toBeGreaterThan(1e-3)
    expect(maxDiff(logitsOf({ config: { mlp_bias: true }, editTensors: zeroed(/mlp\..*\.bias/) }).data, unbiased)).toBe(0)
  })

  it('the head is tied unless tie_word_embeddings is false: no lm_head is written or read by default', () => {
    const tied = models.write('smollm3')
    expect('tie_word_embeddings' in tied.config).toBe(false)
    expect(tied.tensors.some((t) => t.name === 'lm_head.weight')).toBe(false)
    const embedding = tied.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
    const untied = models.write('smollm3', { config: { tie_word_embeddings: false }, editTensors: () => [...tied.tensors, { ...embedding, name: 'lm_head.weight' }] })
    const a = referenceLogits(tied.dir, { ids: [TOKENS] }).data
    expect(maxDiff(referenceLogits(untied.dir, { ids: [TOKENS] }).data, a)).toBe(0)
    expect(maxDiff(logitsOf({ config: { tie_word_embeddings: true } }).data, a)).toBe(0)
    const ownHead = models.write('smollm3', { config: { tie_word_embeddings: false } })
    expect(ownHead.tensors.some((t) => t.name === 'lm_head.weight')).toBe(true)
    expect(maxDiff(referenceLogits(ownHead.dir, { ids: [TOKENS] }).data, a)).toBeGreaterThan(1e-3)
  })

  it('num_key_value_heads defaults to 4 when absent (SmolLM3Config\'s default); null means one per head', () => {
    // 8 heads of 4 with 4 kv heads: k_proj and v_proj are [16, 32].
    const stated = models.write('smollm3', { config: { num_attention_heads: 8, num_key_value_heads: 4 } })
    const absent = models.write('smollm3', { config: { num_attention_heads: 8, num_key_value_heads: undefined }, editTensors: () => stated.tensors })
    const explicitNull = models.write('smollm3', { config: { num_attention_heads: 8, num_key_value_heads: null }, editTensors: () => stated.tensors })
    expect(maxDiff(referenceLogits(absent.dir, { ids: [TOKENS] }).data, referenceLogits(stated.dir, { ids: [TOKENS] }).data)).toBe(0)
    expect(() => referenceLogits(explicitNull.dir, { ids: [TOKENS] })).toThrow(/k_proj\.weight" is \[16,32\], expected \[32,32\]/)
  })
})
