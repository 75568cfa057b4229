import { describe, expect, it } from 'vitest'
import { AdamW } from '../../../main/engine/optim'
import { maxRelativeError, randomArray } from './support'

/** AdamW as the paper's Algorithm 2 states it (ε added to √v̂, as PyTorch does), all in float64. */
function referenceAdamW(p0: number[], gradients: number[][], lrs: number[], o: { beta1: number; beta2: number; eps: number; weightDecay: number }): number[] {
  let p = [...p0]
  let m = p0.map(() => 0)
  let v = p0.map(() => 0)
  gradients.forEach((g, k) => {
    const t = k + 1
    const lr = lrs[k]
    m = m.map((mi, i) => o.beta1 * mi + (1 - o.beta1) * g[i])
    v = v.map((vi, i) => o.beta2 * vi + (1 - o.beta2) * g[i] ** 2)
    p = p.map((pi, i) => {
      const mHat = m[i] / (1 - o.beta1 ** t)
      const vHat = v[i] / (1 - o.beta2 ** t)
      return pi - lr * o.weightDecay * pi - (lr * mHat) / (Math.sqrt(vHat) + o.eps)
    })
  })
  return p
}

describe('AdamW', () => {
  it('takes the hand-computed first two steps', () => {
    const opt = new AdamW([{ name: 'w', shape: [2] }], { weightDecay: 0.01 })
    const w = Float32Array.from([1, -2])
    opt.update({ w }, { w: Float32Array.from([0.5, 0]) }, 0.1)
    // step 1: m̂ = g, v̂ = g², so the move is lr·g/(|g| + ε) = 0.1 (for g ≠ 0), after decay p·(1 − 0.1·0.01)
    expect(w[0]).toBeCloseTo(1 * 0.999 - 0.1 * (0.5 / (0.5 + 1e-8)), 7)
    expect(w[1]).toBeCloseTo(-2 * 0.999, 6)
    opt.update({ w }, { w: Float32Array.from([-0.25, 0]) }, 0.1)
    // step 2: m = 0.9·0.05 − 0.1·0.25 = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    const p1 = 1 * 0.999 - 0.1 * (0.5 / (0.5 + 1e-8))
    const mHat = 0.02 / (1 - 0.9 ** 2)
    const denom = Math.sqrt(0.00031225) / Math.sqrt(1 - 0.999 ** 2) + 1e-8
    expect(w[0]).toBeCloseTo(p1 * 0.999 - 0.1 * mHat / denom, 6)
    expect(opt.step).toBe(2)
  })

  it('matches an independent float64 implementation over 20 steps with a varying lr', () => {
    const n = 37
    const options = { beta1: 0.85, beta2: 0.99, eps: 1e-6, weightDecay: 0.05 }
    const opt = new AdamW([{ name: 'a', shape: [n] }], options)
    const p = randomArray(1, n)
    const p0 = Array.from(p)
    const grads = Array.from({ length: 20 }, (_, k) => Array.from(randomArray(100 + k, n, 0.1 * (k + 1))))
    const lrs = grads.map((_, k) => 1e-2 * (1 - k / 40))
    grads.forEach((g, k) => opt.update({ a: p }, { a: Float32Array.from(g) }, lrs[k]))
    expect(maxRelativeError(p, referenceAdamW(p0, grads, lrs, options))).toBeLessThan(1e-5)
  })

  it('names a missing gradient, a size mismatch and a bad learning rate', () => {
    const opt = new AdamW([{ name: 'w', shape: [2, 2] }])
    const w = new Float32Array(4)
    expect(() => opt.update({ w }, {}, 0.1)).toThrow(/no gradient given for parameter w/)
    expect(() => opt.update({ w }, { w: new Float32Array(3) }, 0.1)).toThrow(/w \[2, 2\] needs 4 values; got 4 values and 3 gradient entries/)
    expect(() => opt.update({ w }, { w: new Float32Array(4) }, Number.NaN)).toThrow(/learning rate NaN/)
    expect(() => new AdamW([{ name: 'w', shape: [1] }], { beta2: 1 })).toThrow(/beta2 1 must be in \[0, 1\)/)
  })
})
