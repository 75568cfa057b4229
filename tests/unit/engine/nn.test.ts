// nn building blocks: onnxruntime against the float64 reference interpreter (the graph is what
// we meant to build), and against plain TS formulas (the graph computes the right thing).
import { describe, expect, it } from 'vitest'
import { Graph, type Value } from '../../../main/engine/ir'
import * as nn from '../../../main/engine/nn'
import { createGraphSession, type HostTensor } from '../../../main/runtime'
import { compareWithReference, f32, hostToNumbers, i64, rng, uniform } from '../../helpers/ort-vs-reference'

const random = rng(5)
const B = 2, T = 5, D = 16

function expectMatchesReference(build: (g: Graph) => Value, extraInputs: (g: Graph) => void = () => {}, feeds: Record<string, HostTensor> = {}) {
  return async () => {
    const g = new Graph()
    extraInputs(g)
    g.output('out', build(g))
    const x = { x: f32([B, T, D], uniform(random, B * T * D, -2, 2)) }
    const [[o]] = await compareWithReference(g, [{ ...x, ...feeds }])
    expect(o.shape).toEqual(o.referenceShape)
    expect(o.maxAbsError / o.scale).toBeLessThan(1e-5)
  }
}

const xIn = (g: Graph) => g.input('x', 'float32', ['batch', 'seq', D])
const inline = (g: Graph, name: string, shape: number[]) => g.weight(name, 'float32', shape, { kind: 'inline', data: uniform(random, shape.reduce((a, b) => a * b, 1)) })

async function runOrt(g: Graph, feeds: Record<string, HostTensor>): Promise<Record<string, number[]>> {
  const session = await createGraphSession(g, { device: 'cpu', threads: 1 })
  const out = await session.run(feeds)
  await session.dispose()
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, hostToNumbers(v)]))
}

describe('nn blocks against the reference interpreter', () => {
  it('linear with bias (weight [out, in])', expectMatchesReference((g) => nn.linear(xIn(g), inline(g, 'w', [8, D]), inline(g, 'b', [8]))))
  it('rmsNorm', expectMatchesReference((g) => nn.rmsNorm(xIn(g), inline(g, 'w', [D]), 1e-6)))
  it('layerNorm', expectMatchesReference((g) => nn.layerNorm(xIn(g), inline(g, 'w', [D]), inline(g, 'b', [D]), 1e-5)))
  it('gelu', expectMatchesReference((g) => nn.gelu(xIn(g))))
  it('gelu (tanh)', expectMatchesReference((g) => nn.geluTanh(xIn(g))))
  it('silu', expectMatchesReference((g) => nn.silu(xIn(g))))
  it('gated FFN (SwiGLU)', expectMatchesReference((g) => nn.gatedFfn(xIn(g), { gate: inline(g, 'g', [24, D]), up: inline(g, 'u', [24, D]), down: inline(g, 'd', [D, 24]) })))
  it('plain FFN (GELU)', expectMatchesReference((g) => nn.plainFfn(xIn(g), { fcIn: inline(g, 'i', [24, D]), fcInBias: inline(g, 'ib', [24]), fcOut: inline(g, 'o', [D, 24]) }, 'gelu_tanh')))
  it('embedding', async () => {
    const g = new Graph()
    g.output('out', nn.embedding(g.input('ids', 'int64', ['batch', 'seq']), inline(g, 'table', [11, D])))
    const [[o]] = await compareWithReference(g, [{ ids: i64([B, T], [0, 3, 10, 2, 2, 7, 1, 0, 5, 9]) }])
    expect(o.shape).toEqual([B, T, D])
    expect(o.maxAbsError).toBeLessThan(1e-6)
  })
  it('attention block with rotary, GQA, causal and padding mask', async () => {
    const g = new Graph()
    const heads = 4, kvHeads = 2, headDim = 4
    const x = xIn(g)
    const mask = g.input('mask', 'float32', ['batch', 'seq'])
    const positions = g.input('positions', 'int64', ['batch', 'seq'])
    const tables = nn.rotaryTables(g, headDim, 16, 10000)
    const { cos, sin } = nn.rotaryForPositions(tables, positions)
    const q = nn.applyRotary(nn.splitHeads(nn.linear(x, inline(g, 'q', [heads * headDim, D])), heads, headDim), cos, sin)
    const k = nn.applyRotary(nn.splitHeads(nn.linear(x, inline(g, 'k', [kvHeads * headDim, D])), kvHeads, headDim), cos, sin)
    const v = nn.splitHeads(nn.linear(x, inline(g, 'v', [kvHeads * headDim, D])), kvHeads, headDim)
    const attn = nn.scaledDotProductAttention(q, k, v, nn.attentionBias(mask, true), { heads, kvHeads, headDim })
    g.output('out', nn.linear(nn.mergeHeads(attn), inline(g, 'o', [D, heads * headDim])))
    const feeds = { x: f32([B, T, D], uniform(random, B * T * D)), mask: f32([B, T], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]), positions: i64([B, T], [0, 1, 2, 3, 4, 0, 1, 2, 3, 3]) }
    const [[o]] = await compareWithReference(g, [feeds])
    expect(o.shape).toEqual([B, T, D])
    expect(o.maxAbsError / o.scale).toBeLessThan(1e-5)
  })
  it('cross-entropy', async () => {
    const g = new Graph()
    g.output('out', nn.crossEntropy(g.input('logits', 'float32', ['batch', 'seq', 7]), g.input('labels', 'int64', ['batch', 'seq']), g.input('m', 'float32', ['batch', 'seq'])))
    const [[o]] = await compareWithReference(g, [{ logits: f32([B, T, 7], uniform(random, B * T * 7, -3, 3)), labels: i64([B, T], [1, 6, 0, 3, -100, 2, 2, 5, 4, -100]), m: f32([B, T], [1, 1, 1, 1, 0, 1, 0, 1, 1, 0]) }])
    expect(o.shape).toEqual([])
    expect(o.maxAbsError / o.scale).toBeLessThan(1e-5)
  })
})

describe('nn blocks compute what the formulas say', () => {
  it('activations at known points', async () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [3])
    g.output('gelu', nn.gelu(x))
    g.output('gelu_tanh', nn.geluTanh(x))
    g.output('silu', nn.silu(x))
    const out = await runOrt(g, { x: f32([3], [-1, 0, 1]) })
    expect(out.gelu.map((v) => +v.toFixed(6))).toEqual([-0.158655, 0, 0.841345])
    expect(out.gelu_tanh.map((v) => +v.toFixed(6))).toEqual([-0.158808, 0, 0.841192])
    expect(out.silu.map((v) => +v.toFixed(6))).toEqual([-0.268941, 0, 0.731059])
  })

  it('cross-entropy is the token mean over masked labels, and 0 (not NaN) with no labels', async () => {
    const g = new Graph()
    g.output('loss', nn.crossEntropy(g.input('logits', 'float32', [1, 3, 4]), g.input('labels', 'int64', [1, 3]), g.input('m', 'float32', [1, 3])))
    const logits = [0, 1, 2, 3, 1, 1, 1, 1, 5, 0, 0, 0]
    const labels = [3, 0, -100]
    const nll = (row: number, label: number) => {
      const z = logits.slice(row * 4, row * 4 + 4)
      return Math.log(z.reduce((s, v) => s + Math.exp(v), 0)) - z[label]
    }
    const out = await runOrt(g, { logits: f32([1, 3, 4], logits), labels: i64([1, 3], labels), m: f32([1, 3], [1, 1, 0]) })
    expect(out.loss[0]).toBeCloseTo((nll(0, 3) + nll(1, 0)) / 2, 5)
    const none = await runOrt(g, { logits: f32([1, 3, 4], logits), labels: i64([1, 3], labels), m: f32([1, 3], [0, 0, 0]) })
    expect(none.loss[0]).toBe(0)
  })

  it('attention: causal, padding and grouped KV heads as a naive loop computes them', async () => {
    const heads = 4, kvHeads = 2, headDim = 3, group = heads / kvHeads
    const g = new Graph()
    const q = g.input('q', 'float32', ['batch', heads, 'seq', headDim])
    const k = g.input('k', 'float32', ['batch', kvHeads, 'seq', headDim])
    const v = g.input('v', 'float32', ['batch', kvHeads, 'seq', headDim])
    const mask = g.input('mask', 'float32', ['batch', 'seq'])
    g.output('out', nn.scaledDotProductAttention(q, k, v, nn.attentionBias(mask, true), { heads, kvHeads, headDim }))
    const qd = uniform(random, B * heads * T * headDim, -2, 2), kd = uniform(random, B * kvHeads * T * headDim, -2, 2), vd = uniform(random, B * kvHeads * T * headDim)
    const md = [1, 1, 1, 0, 0, 0, 1, 1, 1, 1] // right padding in row 0, left padding in row 1
    const out = await runOrt(g, { q: f32([B, heads, T, headDim], qd), k: f32([B, kvHeads, T, headDim], kd), v: f32([B, kvHeads, T, headDim], vd), mask: f32([B, T], md) })
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < heads; h++) {
        const kh = Math.floor(h / group)
        for (let i = 0; i < T; i++) {
          const allowed = [...Array(T).keys()].filter((j) => j <= i && md[b * T + j] === 1)
          const at = (d: Float32Array, hh: number, n: number, t: number, c: number) => d[((b * n + hh) * T + t) * headDim + c]
          const got = [0, 1, 2].map((c) => out.out[((b * heads + h) * T + i) * headDim + c])
          if (allowed.length === 0) {
            got.forEach((x) => expect(Number.isFinite(x)).toBe(true))
            continue
          }
          const scores = allowed.map((j) => [0, 1, 2].reduce((s, c) => s + at(qd, h, heads, i, c) * at(kd, kh, kvHeads, j, c), 0) / Math.sqrt(headDim))
          const m = Math.max(...scores)
          const w = scores.map((s) => Math.exp(s - m))
          const z = w.reduce((a, c) => a + c, 0)
          const want = [0, 1, 2].map((c) => allowed.reduce((s, j, n) => s + (w[n] / z) * at(vd, kh, kvHeads, j, c), 0))
          want.forEach((x, c) => expect(got[c]).toBeCloseTo(x, 5))
        }
      }
    }
  })

  it('rotary: rotate-half with HF cos/sin tables', async () => {
    const headDim = 4, theta = 10000
    const g = new Graph()
    const x = g.input('x', 'float32', [1, 1, 'seq', headDim])
    const tables = nn.rotaryTables(g, headDim, 8, theta)
    const { cos, sin } = nn.rotaryForPositions(tables, g.input('p', 'int64', [1, 'seq']))
    g.output('out', nn.applyRotary(x, cos, sin))
    const xd = [1, 2, 3, 4, 0.5, -1, 2, 0]
    const pd = [3, 7]
    const out = await runOrt(g, { x: f32([1, 1, 2, headDim], xd), p: i64([1, 2], pd) })
    pd.forEach((p, t) => {
      const [a, b, c, d] = xd.slice(t * 4, t * 4 + 4)
      const f = [1, theta ** (-2 / headDim)].map((inv) => p * inv)
      const want = [a * Math.cos(f[0]) - c * Math.sin(f[0]), b * Math.cos(f[1]) - d * Math.sin(f[1]), c * Math.cos(f[0]) + a * Math.sin(f[0]), d * Math.cos(f[1]) + b * Math.sin(f[1])]
      want.forEach((w, i) => expect(out.out[t * 4 + i]).toBeCloseTo(w, 5))
    })
  })
})

