// Autodiff through the model blocks of main/engine/nn (attention, norms, MLPs, loss), checked
// against finite differences in float64. The blocks compute in float32 by design; the reference
// interpreter evaluates every float type at float64, so the check stays exact.
import { describe, expect, it } from 'vitest'
import { F, Graph, type Value } from '../../../main/engine/ir'
import { gradients } from '../../../main/engine/autodiff'
import { applyRotary, attentionBias, crossEntropy, embedding, gatedFfn, linear, mergeHeads, plainFfn, rmsNorm, layerNorm, rotaryForPositions, rotaryTables, scaledDotProductAttention, splitHeads } from '../../../main/engine/nn'
import { evaluate, ndarray } from '../../../main/engine/reference'
import { feedsFor, gradCheck, seededRandom, type GradCase } from './gradcheck'

const small: [number, number] = [-0.6, 0.6]

/** Causal self-attention with padding mask, rotary positions and 4 query heads over 2 KV heads. */
function attentionBlock({ x, wq, wk, wv, wo, mask, positions }: Record<string, Value>, g: Graph): Value {
  const shape = { heads: 4, kvHeads: 2, headDim: 2 }
  const rotary = rotaryForPositions(rotaryTables(g, 2, 8), positions)
  const q = applyRotary(splitHeads(linear(x, wq), 4, 2), rotary.cos, rotary.sin) // [B, 4, T, 2]
  const k = applyRotary(splitHeads(linear(x, wk), 2, 2), rotary.cos, rotary.sin) // [B, 2, T, 2]
  const v = splitHeads(linear(x, wv), 2, 2) // [B, 2, T, 2]
  const out = scaledDotProductAttention(q, k, v, attentionBias(mask, true), shape) // [B, 4, T, 2]
  return linear(mergeHeads(out), wo) // [B, T, 8]
}

const attentionInputs: GradCase['inputs'] = {
  x: { shape: ['batch', 'seq', 8], concrete: [2, 3, 8] },
  wq: { shape: [8, 8], range: small },
  wk: { shape: [4, 8], range: small },
  wv: { shape: [4, 8], range: small },
  wo: { shape: [8, 8], range: small },
  // right padding: the last token of the second sequence is padding
  mask: { shape: ['batch', 'seq'], concrete: [2, 3], data: [1, 1, 1, 1, 1, 0] },
  positions: { shape: ['batch', 'seq'], concrete: [2, 3], dtype: 'int64', data: [0, 1, 2, 0, 1, 2] },
}

const composites: GradCase[] = [
  { name: 'attention block (causal + padding mask, grouped KV heads, rotary)', inputs: attentionInputs, build: attentionBlock },
  {
    name: 'RMSNorm',
    inputs: { x: { shape: ['n', 6], concrete: [3, 6] }, weight: { shape: [6] } },
    build: ({ x, weight }) => rmsNorm(x, weight, 1e-5),
  },
  {
    name: 'LayerNorm with bias',
    inputs: { x: { shape: ['n', 6], concrete: [3, 6] }, weight: { shape: [6] }, bias: { shape: [6] } },
    build: ({ x, weight, bias }) => layerNorm(x, weight, bias, 1e-5),
  },
  {
    name: 'token-mean cross-entropy with label mask',
    inputs: {
      logits: { shape: ['batch', 'seq', 5], concrete: [2, 3, 5], range: [-2, 2] },
      labels: { shape: ['batch', 'seq'], concrete: [2, 3], dtype: 'int64', data: [1, 4, -100, 0, 2, 3] },
      mask: { shape: ['batch', 'seq'], concrete: [2, 3], data: [1, 1, 0, 1, 1, 1] },
    },
    build: ({ logits, labels, mask }) => crossEntropy(logits, labels, mask),
  },
  {
    name: 'SwiGLU MLP (SiLU)',
    inputs: { x: { shape: [2, 3, 4] }, gate: { shape: [6, 4], range: small }, up: { shape: [6, 4], range: small }, down: { shape: [4, 6], range: small } },
    build: ({ x, gate, up, down }) => gatedFfn(x, { gate, up, down }, 'silu'),
  },
  {
    name: 'MLP with GELU (tanh approximation) and biases',
    inputs: { x: { shape: [2, 3, 4] }, fcIn: { shape: [6, 4] }, fcInBias: { shape: [6] }, fcOut: { shape: [4, 6] }, fcOutBias: { shape: [4] } },
    build: ({ x, fcIn, fcInBias, fcOut, fcOutBias }) => plainFfn(x, { fcIn, fcInBias, fcOut, fcOutBias }, 'gelu_tanh'),
  },
  {
    name: 'MLP with exact GELU (erf)',
    inputs: { x: { shape: [2, 3, 4] }, fcIn: { shape: [6, 4] }, fcOut: { shape: [4, 6] } },
    build: ({ x, fcIn, fcOut }) => plainFfn(x, { fcIn, fcOut }, 'gelu'),
  },
]

describe('autodiff through nn blocks: finite differences', () => {
  for (const c of composites) {
    it(c.name, () => {
      const result = gradCheck(c)
      expect(result.maxGradient).toBeGreaterThan(1e-3)
      expect(result.maxError).toBeLessThan(1e-6)
    })
  }
})

describe('autodiff through nn blocks: structure of the gradients', () => {
  function attentionInputGradient(lossOf: (out: Value, mask: Value) => Value): number[] {
    const g = new Graph()
    const values = Object.fromEntries(Object.entries(attentionInputs).map(([n, s]) => [n, g.input(n, s.dtype ?? 'float64', s.shape)]))
    const out = attentionBlock(values, g)
    const [dx] = gradients(lossOf(out, values.mask), [values.x])
    return [...evaluate(g, feedsFor(attentionInputs, seededRandom(3)), [dx])[0].data]
  }
  const at = (grad: number[], b: number, t: number) => grad.slice((b * 3 + t) * 8, (b * 3 + t + 1) * 8)

  it('causal mask: the first position\'s output has no gradient from later tokens', () => {
    const firstPosition = (out: Value) => F.reshape(F.cast(F.equal(F.iota(out, 'seq'), 0), out.dtype), [1, 'seq', 1]) // [1, T, 1]
    const grad = attentionInputGradient((out) => F.sum(F.mul(out, firstPosition(out)), [0, 1, 2]))
    for (const b of [0, 1]) {
      expect(at(grad, b, 0).some((v) => v !== 0)).toBe(true)
      for (const t of [1, 2]) expect(at(grad, b, t).every((v) => v === 0)).toBe(true)
    }
  })

  it('padding mask: a padded token influences no real token', () => {
    const grad = attentionInputGradient((out, mask) => F.sum(F.mul(out, F.unsqueeze(F.cast(mask, out.dtype), -1)), [0, 1, 2]))
    expect(at(grad, 1, 2).every((v) => v === 0)).toBe(true)
    expect(at(grad, 0, 2).some((v) => v !== 0)).toBe(true)
  })

  it('cross-entropy: forward is the masked token mean and the gradient is (softmax - onehot)·mask/count', () => {
    const g = new Graph()
    const logits = g.input('logits', 'float64', [2, 3, 5])
    const labels = g.input('labels', 'int64', [2, 3])
    const mask = g.input('mask', 'float64', [2, 3])
    const loss = crossEntropy(logits, labels, mask)
    const [dLogits] = gradients(loss, [logits])
    const random = seededRandom(7)
    const z = Array.from({ length: 30 }, () => random() * 4 - 2)
    const y = [1, 4, -100, 0, 2, 3]
    const m = [1, 1, 0, 1, 1, 1]
    const feeds = { logits: ndarray('float64', [2, 3, 5], z), labels: ndarray('int64', [2, 3], y), mask: ndarray('float64', [2, 3], m) }
    const [lossValue, gradValue] = evaluate(g, feeds, [loss, dLogits])
    let total = 0
    const expected: number[] = []
    for (let p = 0; p < 6; p++) {
      const row = z.slice(p * 5, p * 5 + 5)
      const sumExp = row.reduce((s, v) => s + Math.exp(v), 0)
      if (m[p]) total += Math.log(sumExp) - row[y[p]]
      row.forEach((v, j) => expected.push((m[p] * (Math.exp(v) / sumExp - (j === y[p] ? 1 : 0))) / 5))
    }
    expect(lossValue.data[0]).toBeCloseTo(total / 5, 12)
    gradValue.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12))
  })
})

describe('a tiny transformer on the reference interpreter', () => {
  it('a 2-layer tiny transformer: gradients of the adapter vectors match finite differences', () => {
    const random = seededRandom(11)
    const g = new Graph()
    const [vocab, d, heads, kvHeads, headDim, ff, layers] = [32, 16, 4, 2, 4, 32, 2]
    const frozen = (name: string, shape: number[], scale = 0.3) =>
      g.weight(name, 'float32', shape, { kind: 'inline', data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (random() * 2 - 1) * scale) })
    const ids = g.input('ids', 'int64', ['batch', 'seq'])
    const labels = g.input('labels', 'int64', ['batch', 'seq'])
    const mask = g.input('mask', 'float32', ['batch', 'seq'])
    const positions = g.input('positions', 'int64', ['batch', 'seq'])
    const rotary = rotaryForPositions(rotaryTables(g, headDim, 16), positions)
    const adapters: Value[] = []
    let h = embedding(ids, frozen('embed', [vocab, d], 1)) // [B, T, d]
    for (let l = 0; l < layers; l++) {
      // (IA)³-style scaling vectors on K, V and the FFN hidden units are the trained parameters
      const lk = g.input(`l${l}.ia3_k`, 'float32', [kvHeads * headDim])
      const lv = g.input(`l${l}.ia3_v`, 'float32', [kvHeads * headDim])
      const lf = g.input(`l${l}.ia3_ff`, 'float32', [ff])
      adapters.push(lk, lv, lf)
      h = g.scoped(`layers.${l}`, () => {
        const x = rmsNorm(h, frozen(`l${l}.ln1`, [d], 1), 1e-6)
        const q = applyRotary(splitHeads(linear(x, frozen(`l${l}.q`, [d, d])), heads, headDim), rotary.cos, rotary.sin)
        const k = applyRotary(splitHeads(F.mul(linear(x, frozen(`l${l}.k`, [kvHeads * headDim, d])), lk), kvHeads, headDim), rotary.cos, rotary.sin)
        const v = splitHeads(F.mul(linear(x, frozen(`l${l}.v`, [kvHeads * headDim, d])), lv), kvHeads, headDim)
        const attn = scaledDotProductAttention(q, k, v, attentionBias(mask, true), { heads, kvHeads, headDim })
        const h1 = F.add(h, linear(mergeHeads(attn), frozen(`l${l}.o`, [d, d])))
        const x2 = rmsNorm(h1, frozen(`l${l}.ln2`, [d], 1), 1e-6)
        const hidden = F.mul(F.mul(F.sigmoid(linear(x2, frozen(`l${l}.gate`, [ff, d]))), linear(x2, frozen(`l${l}.gate`.replace('gate', 'gate2'), [ff, d]))), lf)
        return F.add(h1, linear(hidden, frozen(`l${l}.down`, [d, ff])))
      })
    }
    const logits = linear(rmsNorm(h, frozen('norm', [d], 1), 1e-6), frozen('lm_head', [vocab, d])) // [B, T, vocab]
    const loss = crossEntropy(logits, labels, mask)
    const grads = gradients(loss, adapters)

    const [batch, seq] = [2, 8]
    const feeds = {
      ids: ndarray('int64', [batch, seq], Array.from({ length: batch * seq }, () => Math.floor(random() * vocab))),
      labels: ndarray('int64', [batch, seq], Array.from({ length: batch * seq }, () => Math.floor(random() * vocab))),
      mask: ndarray('float32', [batch, seq], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]),
      positions: ndarray('int64', [batch, seq], Array.from({ length: batch * seq }, (_, i) => i % seq)),
      ...Object.fromEntries(adapters.map((a) => [a.name as string, ndarray('float32', a.shape as number[], Array.from({ length: a.shape[0] as number }, () => 1 + (random() - 0.5) * 0.2))])),
    }
    const [lossValue, ...gradValues] = evaluate(g, feeds, [loss, ...grads])
    expect(lossValue.data[0]).toBeGreaterThan(Math.log(vocab) * 0.5)

    // Spot-check a few gradient entries against central differences.
    for (const [k, j] of [[0, 3], [2, 17], [4, 5], [5, 30]]) {
      const name = adapters[k].name as string
      const shifted = (delta: number) => {
        const data = feeds[name as keyof typeof feeds].data.slice()
        data[j] += delta
        return evaluate(g, { ...feeds, [name]: ndarray('float32', adapters[k].shape as number[], data) }, [loss])[0].data[0]
      }
      const fd = (shifted(1e-6) - shifted(-1e-6)) / 2e-6
      expect(Math.abs(gradValues[k].data[j] - fd)).toBeLessThan(1e-6 * (Math.abs(fd) + 1e-2))
    }
  })
})
