// The float64 T5 reference, cross-checked by hand on the encoder's relative position bias and on
// invariants: bidirectional encoder, causal decoder, padding on either side, tied-head scaling.
import { describe, expect, it } from 'vitest'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { type TinyModelOptions, type TinyTensor } from '../../helpers/tiny-models'
import { loadCheckpoint, referenceSeq2SeqLogits, relativePositionBucket, t5EncoderStates } from '../../reference'

const models = useTinyModels()
const tiny = (options: TinyModelOptions = {}) => models.write('t5', options)
const ENCODER = [12, 5, 33, 8, 19, 41, 7]
const DECODER = [0, 22, 9, 15, 30]
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

describe('T5 reference', () => {
  it('encoder attention, by hand: with q = k = 0 the weights are softmax over the relative position bias', () => {
    // One encoder layer whose FFN adds nothing: out_i = Norm_f(x_i + O·[Σ_j softmax_j(bias[bucket(j − i)][h]) · V·Norm(x_j)]_h).
    const zero = (pattern: RegExp) => (ts: TinyTensor[]) => ts.map((t) => (pattern.test(t.name) ? { ...t, values: new Float32Array(t.values.length) } : t))
    const model = tiny({ config: { num_layers: 1 }, editTensors: zero(/^encoder\.block\.0\.layer\.(0\.SelfAttention\.[qk]|1\.DenseReluDense\.wo)\.weight$/) })
    const w = (name: string) => model.tensors.find((t) => t.name === name)!.values
    const ids = ENCODER.slice(0, 5)
    const [states] = t5EncoderStates(loadCheckpoint(model.dir), { ids: [ids] })
    const norm = (x: number[], weight: Float32Array) => {
      const rms = Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + 1e-6)
      return x.map((v, i) => (v / rms) * weight[i])
    }
    const matVec = (m: Float32Array, rows: number, cols: number, x: number[]) => Array.from({ length: rows }, (_, r) => x.reduce((s, v, c) => s + m[r * cols + c] * v, 0))
    const xs = ids.map((id) => Array.from(w('shared.weight').slice(id * 32, id * 32 + 32)))
    const vs = xs.map((x) => matVec(w('encoder.block.0.layer.0.SelfAttention.v.weight'), 24, 32, norm(x, w('encoder.block.0.layer.0.layer_norm.weight')))) // [4 heads × 6]
    const table = w('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight') // [8 buckets, 4 heads]
    for (const i of [0, 3]) {
      const mixed: number[] = []
      for (let h = 0; h < 4; h++) {
        const scores = ids.map((_, j) => table[relativePositionBucket(j - i, true, 8, 16) * 4 + h])
        const max = Math.max(...scores)
        const weights = scores.map((s) => Math.exp(s - max))
        const total = weights.reduce((a, b) => a + b)
        for (let d = 0; d < 6; d++) mixed.push(vs.reduce((s, v, j) => s + (weights[j] / total) * v[h * 6 + d], 0))
      }
      const attnOut = matVec(w('encoder.block.0.layer.0.SelfAttention.o.weight'), 32, 24, mixed)
      const expected = norm(xs[i].map((v, k) => v + attnOut[k]), w('encoder.final_layer_norm.weight'))
      expect(maxDiff(states.subarray(i * 32, (i + 1) * 32), expected)).toBeLessThan(1e-12)
    }
  })

  it('the encoder is bidirectional and the decoder causal', () => {
    const dir = tiny().dir
    const base = referenceSeq2SeqLogits(dir, { encoder: { ids: [ENCODER] }, decoder: { ids: [DECODER] } })
    expect(base.shape).toEqual([1, 5, 64])
    expect(base.data.every(Number.isFinite)).toBe(true)
    // The last encoder token reaches every decoder position (through the encoder and cross-attention).
    const lastChanged = referenceSeq2SeqLogits(dir, { encoder: { ids: [[...ENCODER.slice(0, 6), 50]] }, decoder: { ids: [DECODER] } })
    for (let t = 0; t < 5; t++) expect(maxDiff(lastChanged.at(0, t), base.at(0, t))).toBeGreaterThan(1e-4)
    // A later decoder token reaches no earlier decoder position.
    const decoderChanged = referenceSeq2SeqLogits(dir, { encoder: { ids: [ENCODER] }, decoder: { ids: [[0, 22, 9, 50, 30]] } })
    for (let t = 0; t < 3; t++) expect(Array.from(decoderChanged.at(0, t))).toEqual(Array.from(base.at(0, t)))
    expect(maxDiff(decoderChanged.at(0, 3), base.at(0, 3))).toBeGreaterThan(1e-4)
  })

  it('decoder self-attention looks up its own bias table by distance to earlier keys', () => {
    const base = tiny()
    const name = 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'
    const bumpRow = (bucket: number) => () =>
      base.tensors.map((t) => (t.name === name ? { ...t, values: t.values.map((v, i) => (Math.floor(i / 4) === bucket ? v + 3 : v)) } : t))
    const batch = { encoder: { ids: [ENCODER] }, decoder: { ids: [DECODER] } }
    const before = referenceSeq2SeqLogits(base.dir, batch)
    const distanceOne = referenceSeq2SeqLogits(tiny({ editTensors: bumpRow(1) }).dir, batch)
    expect(Array.from(distanceOne.at(0, 0))).toEqual(Array.from(before.at(0, 0))) // position 0 has no key at distance 1
    expect(maxDiff(distanceOne.at(0, 1), before.at(0, 1))).toBeGreaterThan(1e-4)
    // Bucket 0 (distance 0) is the only one every query uses; the encoder's table is separate.
    const encoderTable = 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'
    const encoderBump = tiny({ editTensors: () => base.tensors.map((t) => (t.name === encoderTable ? { ...t, values: t.values.map((v, i) => (i < 4 ? v + 3 : v)) } : t)) })
    expect(maxDiff(referenceSeq2SeqLogits(encoderBump.dir, batch).at(0, 0), before.at(0, 0))).toBeGreaterThan(1e-4)
  })

  it('padding on either side of encoder and decoder rows leaves the real positions unchanged', () => {
    const dir = tiny().dir
    const enc = ENCODER.slice(0, 4)
    const dec = DECODER.slice(0, 3)
    const alone = referenceSeq2SeqLogits(dir, { encoder: { ids: [enc] }, decoder: { ids: [dec] } })
    const padded = referenceSeq2SeqLogits(dir, {
      encoder: { ids: [[...enc, 0, 0, 0], [0, 0, 0, ...enc]], mask: [[1, 1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1]] },
      decoder: { ids: [[...dec, 0, 0], [...dec, 0, 0]], mask: [[1, 1, 1, 0, 0], [1, 1, 1, 0, 0]] },
    })
    for (const b of [0, 1]) for (let t = 0; t < 3; t++) expect(maxDiff(padded.at(b, t), alone.at(0, t))).toBeLessThan(1e-12)
    expect(padded.at(0, 4).every(Number.isNaN)).toBe(true)
  })

  it('a tied head (original T5) scales the decoder output by d_model^-0.5 before the shared embedding', () => {
    const untied = tiny()
    const shared = untied.tensors.find((t) => t.name === 'shared.weight')!
    const scaledHead = { ...shared, name: 'lm_head.weight', values: shared.values.map((v) => v / Math.sqrt(32)) }
    const withoutHead = untied.tensors.filter((t) => t.name !== 'lm_head.weight')
    const tied = tiny({ config: { tie_word_embeddings: true }, editTensors: () => withoutHead })
    const explicit = tiny({ editTensors: () => [...withoutHead, scaledHead] })
    const unscaled = tiny({ editTensors: () => [...withoutHead, { ...shared, name: 'lm_head.weight' }] })
    const batch = { encoder: { ids: [ENCODER] }, decoder: { ids: [DECODER] } }
    const tiedLogits = referenceSeq2SeqLogits(tied.dir, batch).data
    // The explicit head was rounded to float32 when saved, hence the small tolerance.
    expect(maxDiff(tiedLogits, referenceSeq2SeqLogits(explicit.dir, batch).data)).toBeLessThan(1e-6)
    expect(maxDiff(tiedLogits, referenceSeq2SeqLogits(unscaled.dir, batch).data)).toBeGreaterThan(0.1)
  })

  it('relu (original T5) and gated-GELU feed-forwards read their own weights', () => {
    const relu = tiny({ config: { feed_forward_proj: 'relu' } })
    expect(relu.tensors.some((t) => t.name.endsWith('DenseReluDense.wi.weight'))).toBe(true)
    const logits = referenceSeq2SeqLogits(relu.dir, { encoder: { ids: [ENCODER] }, decoder: { ids: [DECODER] } })
    expect(logits.data.every(Number.isFinite)).toBe(true)
  })
})
