// The float64 reference of Gemma 3 text models, checked without the engine: a one-token case worked
// out by hand, and invariants that only hold if the window, the two RoPEs, the score scale, the
// 1 + w norms and the soft-capping are read the way transformers reads them.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyModelOptions, type TinyTensor } from '../../helpers/tiny-models'
import { referenceLogits, type Logits } from '../../reference'

const TOKENS = [5, 9, 14, 3, 22, 7, 30, 11]
const ALL_SLIDING = ['sliding_attention', 'sliding_attention', 'sliding_attention']
const ALL_FULL = ['full_attention', 'full_attention', 'full_attention']

const models = useTinyModels()
function logitsOf(options: TinyModelOptions = {}, ids: number[][] = [TOKENS], mask?: number[][]): Logits {
  return referenceLogits(models.write('gemma3_text', options).dir, { ids, mask })
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}
const filled = (pattern: RegExp, value: number) => (ts: TinyTensor[]) =>
  ts.map((t) => (pattern.test(t.name) ? { ...t, values: new Float32Array(t.values.length).fill(value) } : t))

// Plain-array versions of the pieces, for the cases worked out by hand.
const matVec = (m: Float32Array, rows: number, cols: number, x: number[]) =>
  Array.from({ length: rows }, (_, r) => x.reduce((s, v, c) => s + m[r * cols + c] * v, 0))
const gemmaNorm = (x: number[], w: Float32Array) => {
  const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-6)
  return x.map((v, i) => (v / rms) * (1 + w[i]))
}
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))

describe('Gemma 3 reference: hand-checked cases', () => {
  it('one real token after left pads: √d-scaled embedding, 1 + w norms, GQA values, post-norms, gated tanh-GELU, tied head', () => {
    // One token sees only itself, so attention returns its values: kv head 0 for heads 0, 1 and kv head 1 for heads 2, 3.
    const model = models.write('gemma3_text', { config: { num_hidden_layers: 1, layer_types: ['full_attention'] } })
    const logits = referenceLogits(model.dir, { ids: [[0, 0, 9]], mask: [[0, 0, 1]] })
    const w = (name: string) => model.tensors.find((t) => t.name === name)!.values
    const p = 'model.layers.0'
    const embedding = w('model.embed_tokens.weight')
    const x0 = Array.from(embedding.slice(9 * 32, 10 * 32), (v) => v * Math.sqrt(32))
    const v = matVec(w(`${p}.self_attn.v_proj.weight`), 32, 32, gemmaNorm(x0, w(`${p}.input_layernorm.weight`))) // [2 kv × 16]
    const heads = [0, 1, 2, 3].flatMap((h) => v.slice(Math.floor((h * 2) / 4) * 16, Math.floor((h * 2) / 4) * 16 + 16)) // [4 × 16]
    const attn = matVec(w(`${p}.self_attn.o_proj.weight`), 32, 64, heads)
    const x1 = gemmaNorm(attn, w(`${p}.post_attention_layernorm.weight`)).map((a, i) => x0[i] + a)
    const h2 = gemmaNorm(x1, w(`${p}.pre_feedforward_layernorm.weight`))
    const gate = matVec(w(`${p}.mlp.gate_proj.weight`), 48, 32, h2)
    const up = matVec(w(`${p}.mlp.up_proj.weight`), 48, 32, h2)
    const mlp = matVec(w(`${p}.mlp.down_proj.weight`), 32, 48, gate.map((g, i) => geluTanh(g) * up[i]))
    const x2 = gemmaNorm(mlp, w(`${p}.post_feedforward_layernorm.weight`)).map((m, i) => x1[i] + m)
    const expected = matVec(embedding, 64, 32, gemmaNorm(x2, w('model.norm.weight')))
    expect(maxDiff(logits.at(0, 2), expected)).toBeLessThan(1e-10)
    expect(logits.at(0, 0).every(Number.isNaN)).toBe(true)
  })

  it('post-attention and post-feedforward norm weights of −1 (scale 1 + w = 0) silence every block', () => {
    const model = models.write('gemma3_text', { editTensors: filled(/post_(attention|feedforward)_layernorm/, -1) })
    const logits = referenceLogits(model.dir, { ids: [TOKENS] })
    const w = (name: string) => model.tensors.find((t) => t.name === name)!.values
    const embedding = w('model.embed_tokens.weight')
    for (const [t, id] of TOKENS.entries()) {
      const x = Array.from(embedding.slice(id * 32, id * 32 + 32), (v) => v * Math.sqrt(32))
      expect(maxDiff(logits.at(0, t), matVec(embedding, 64, 32, gemmaNorm(x, w('model.norm.weight'))))).toBeLessThan(1e-10)
    }
    // And at 0 (scale 1) they do not: the reader adds the 1.
    expect(maxDiff(logitsOf({ editTensors: filled(/post_(attention|feedforward)_layernorm/, 0) }).data, logits.data)).toBeGreaterThan(1e-2)
  })
})

describe('Gemma 3 reference: invariants', () => {
  it('is causal, and finite', () => {
    const changed = [...TOKENS]
    changed[5] = 40
    const a = logitsOf()
    const b = logitsOf({}, [changed])
    for (let t = 0; t < 5; t++) expect(Array.from(b.at(0, t))).toEqual(Array.from(a.at(0, t)))
    for (let t = 5; t < 8; t++) expect(maxDiff(a.at(0, t), b.at(0, t))).toBeGreaterThan(1e-3)
    expect(a.data.every(Number.isFinite)).toBe(true)
  })

  it('padding: left- and right-padded rows equal the unpadded sequence on their real tokens (window included)', () => {
    const real = TOKENS.slice(0, 6) // longer than the window of 4
    const alone = logitsOf({}, [real])
    const padded = logitsOf({}, [[0, 0, ...real], [...real, 0, 0], TOKENS], [[0, 0, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]])
    for (let t = 0; t < 6; t++) {
      expect(maxDiff(padded.at(0, t + 2), alone.at(0, t))).toBeLessThan(1e-12)
      expect(maxDiff(padded.at(1, t), alone.at(0, t))).toBeLessThan(1e-12)
      expect(maxDiff(padded.at(2, t), alone.at(0, t))).toBeLessThan(1e-12)
    }
  })

  it('the window binds sliding layers only: a key leaves the view of queries window or more positions later', () => {
    const oneLayer = (type: string) => ({ num_hidden_layers: 1, layer_types: [type], sliding_window: 3 })
    const changed = [...TOKENS]
    changed[2] = 40
    const sliding = [logitsOf({ config: oneLayer('sliding_attention') }), logitsOf({ config: oneLayer('sliding_attention') }, [changed])]
    expect(maxDiff(sliding[0].at(0, 4), sliding[1].at(0, 4))).toBeGreaterThan(1e-3) // 4 − 2 = 2 < 3: seen
    expect(Array.from(sliding[1].at(0, 5))).toEqual(Array.from(sliding[0].at(0, 5))) // 5 − 2 = 3: out of the window
    const full = [logitsOf({ config: oneLayer('full_attention') }), logitsOf({ config: oneLayer('full_attention') }, [changed])]
    expect(maxDiff(full[0].at(0, 7), full[1].at(0, 7))).toBeGreaterThan(1e-3)
  })

  it('sliding_window changes nothing when every layer is full, or before the window fills', () => {
    expect(maxDiff(logitsOf({ config: { layer_types: ALL_FULL, sliding_window: 2 } }).data, logitsOf({ config: { layer_types: ALL_FULL } }).data)).toBe(0)
    const narrow = logitsOf({ config: { layer_types: ALL_SLIDING } }) // window 4
    const wide = logitsOf({ config: { layer_types: ALL_SLIDING, sliding_window: 1000 } })
    for (let t = 0; t < 4; t++) expect(Array.from(narrow.at(0, t))).toEqual(Array.from(wide.at(0, t)))
    for (let t = 4; t < 8; t++) expect(maxDiff(narrow.at(0, t), wide.at(0, t))).toBeGreaterThan(1e-4)
  })

  it('without layer_types, layer i is sliding unless (i + 1) is a multiple of sliding_window_pattern', () => {
    const listed = logitsOf() // sliding, full, sliding
    expect(maxDiff(logitsOf({ config: { layer_types: undefined, sliding_window_pattern: 2 } }).data, listed.data)).toBe(0)
    const defaultPattern = logitsOf({ config: { layer_types: undefined } }) // pattern 6: all three sliding
    expect(maxDiff(defaultPattern.data, logitsOf({ config: { layer_types: ALL_SLIDING } }).data)).toBe(0)
    expect(maxDiff(defaultPattern.data, listed.data)).toBeGreaterThan(1e-4)
  })

  it('two RoPEs: rope_scaling and rope_theta reach the full layers only, rope_local_base_freq the sliding ones only', () => {
    const slidingOnly = { layer_types: ALL_SLIDING }
    expect(maxDiff(logitsOf({ config: { ...slidingOnly, rope_scaling: null, rope_theta: 500 } }).data, logitsOf({ config: slidingOnly }).data)).toBe(0)
    expect(maxDiff(logitsOf({ config: { ...slidingOnly, rope_local_base_freq: 500 } }).data, logitsOf({ config: slidingOnly }).data)).toBeGreaterThan(1e-4)
    const fullOnly = { layer_types: ALL_FULL }
    expect(maxDiff(logitsOf({ config: { ...fullOnly, rope_local_base_freq: 500 } }).data, logitsOf({ config: fullOnly }).data)).toBe(0)
    expect(maxDiff(logitsOf({ config: { ...fullOnly, rope_scaling: null } }).data, logitsOf({ config: fullOnly }).data)).toBeGreaterThan(1e-4)
    expect(maxDiff(logitsOf({ config: { ...fullOnly, rope_theta: 500 } }).data, logitsOf({ config: fullOnly }).data)).toBeGreaterThan(1e-4)
  })

  it("transformers v5's rope_parameters per layer type read the same as v4's rope_theta / rope_local_base_freq / rope_scaling", () => {
    const v4 = { rope_theta: 5000, rope_local_base_freq: 300, rope_scaling: { rope_type: 'linear', factor: 3 } }
    const v5 = {
      rope_theta: undefined, rope_local_base_freq: undefined, rope_scaling: undefined,
      rope_parameters: { full_attention: { rope_type: 'linear', rope_theta: 5000, factor: 3 }, sliding_attention: { rope_type: 'default', rope_theta: 300 } },
    }
    const old = logitsOf({ config: v4 })
    expect(maxDiff(logitsOf({ config: v5 }).data, old.data)).toBe(0)
    expect(maxDiff(logitsOf().data, old.data)).toBeGreaterThan(1e-4) // the values chosen do matter
  })

  it('scores are scaled by query_pre_attn_scalar^−½: ×4 the scalar equals halving every q_norm scale 1 + w', () => {
    const halvedQueries = (ts: TinyTensor[]) =>
      ts.map((t) => (/q_norm/.test(t.name) ? { ...t, values: t.values.map((w) => (1 + w) / 2 - 1) } : t))
    const scaled = logitsOf({ config: { query_pre_attn_scalar: 48 } })
    expect(maxDiff(scaled.data, logitsOf({ editTensors: halvedQueries }).data)).toBeLessThan(1e-5) // the halved weights are rounded to float32
    expect(maxDiff(scaled.data, logitsOf().data)).toBeGreaterThan(1e-3)
  })

  it('soft-capping: final_logit_softcapping maps each logit to cap·tanh(logit/cap); attn_logit_softcapping bends the scores', () => {
    const plain = logitsOf()
    const capped = logitsOf({ config: { final_logit_softcapping: 3 } })
    expect(maxDiff(capped.data, plain.data.map((v) => 3 * Math.tanh(v / 3)))).toBeLessThan(1e-12)
    expect(maxDiff(logitsOf({ config: { attn_logit_softcapping: 1e6 } }).data, plain.data)).toBeLessThan(1e-8)
    expect(maxDiff(logitsOf({ config: { attn_logit_softcapping: 0.5 } }).data, plain.data)).toBeGreaterThan(1e-3)
  })

  it('a tied head (the default) equals an untied one holding a copy of the embedding', () => {
    const tied = models.write('gemma3_text')
    const embedding = tied.tensors.find((t) => t.name === 'model.embed_tokens.weight')!
    const untied = models.write('gemma3_text', { config: { tie_word_embeddings: false }, editTensors: () => [...tied.tensors, { ...embedding, name: 'lm_head.weight' }] })
    const unsaid = models.write('gemma3_text', { config: { tie_word_embeddings: undefined } })
    const a = referenceLogits(tied.dir, { ids: [TOKENS] }).data
    expect(maxDiff(referenceLogits(untied.dir, { ids: [TOKENS] }).data, a)).toBe(0)
    expect(maxDiff(referenceLogits(unsaid.dir, { ids: [TOKENS] }).data, a)).toBe(0)
  })
})
