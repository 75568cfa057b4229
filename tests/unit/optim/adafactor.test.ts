import { describe, expect, it } from 'vitest'
import { Adafactor, type AdafactorOptions } from '../../../main/engine/optim'
import { maxRelativeError, randomArray } from './support'

interface RefOptions {
  decayRate: number
  eps1: number
  eps2: number
  clip: number
  beta1: number | null
  scaleParameter: boolean
  relativeStep: boolean
  weightDecay: number
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length
const rmsOf = (a: number[]) => Math.sqrt(mean(a.map((v) => v * v)))

/**
 * HF transformers' Adafactor.step transcribed for one tensor viewed as matrices [batch][rows][cols]
 * (or a vector when `vector`), in float64 with nested arrays.
 */
function referenceAdafactor(p0: number[], shape: number[], gradients: number[][], lrs: number[], o: RefOptions): number[] {
  const vector = shape.length < 2
  const cols = shape[shape.length - 1]
  const rows = vector ? 1 : shape[shape.length - 2]
  const batch = p0.length / (rows * cols)
  const at = (flat: number[], b: number, i: number, j: number) => flat[(b * rows + i) * cols + j]
  let p = [...p0]
  let v = p0.map(() => 0)
  const r = Array.from({ length: batch }, () => new Array<number>(rows).fill(0))
  const c = Array.from({ length: batch }, () => new Array<number>(cols).fill(0))
  let m = p0.map(() => 0)
  gradients.forEach((g, k) => {
    const t = k + 1
    const rho = o.relativeStep ? Math.min(1e-2, 1 / Math.sqrt(t)) : lrs[k]
    const lr = o.scaleParameter ? Math.max(o.eps2, rmsOf(p)) * rho : rho
    const beta2t = 1 - Math.pow(t, o.decayRate)
    const u = g.map((gi) => gi * gi + o.eps1)
    let update: number[]
    if (vector) {
      v = v.map((vi, i) => beta2t * vi + (1 - beta2t) * u[i])
      update = g.map((gi, i) => gi / Math.sqrt(v[i]))
    } else {
      update = new Array<number>(p.length)
      for (let b = 0; b < batch; b++) {
        for (let i = 0; i < rows; i++) r[b][i] = beta2t * r[b][i] + (1 - beta2t) * mean(Array.from({ length: cols }, (_, j) => at(u, b, i, j)))
        for (let j = 0; j < cols; j++) c[b][j] = beta2t * c[b][j] + (1 - beta2t) * mean(Array.from({ length: rows }, (_, i) => at(u, b, i, j)))
        const rMean = mean(r[b])
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) update[(b * rows + i) * cols + j] = at(g, b, i, j) / Math.sqrt((r[b][i] / rMean) * c[b][j])
      }
    }
    const clip = Math.max(1, rmsOf(update) / o.clip)
    update = update.map((x) => (x / clip) * lr)
    if (o.beta1 !== null) {
      m = m.map((mi, i) => o.beta1! * mi + (1 - o.beta1!) * update[i])
      update = [...m]
    }
    p = p.map((pi, i) => pi - o.weightDecay * lr * pi - update[i])
  })
  return p
}

const defaults: RefOptions = { decayRate: -0.8, eps1: 1e-30, eps2: 1e-3, clip: 1, beta1: null, scaleParameter: false, relativeStep: false, weightDecay: 0 }

function step(shape: number[], p: number[], g: number[], lr: number, options: AdafactorOptions = {}, opt = new Adafactor([{ name: 'w', shape }], options)) {
  const w = Float32Array.from(p)
  opt.update({ w }, { w: Float32Array.from(g) }, lr)
  return { w: Array.from(w), opt }
}

describe('Adafactor (HF transformers semantics)', () => {
  it('first step on a vector: β2₁ = 0, so U = g/|g| and p moves by lr·sign(g)', () => {
    const { w } = step([3], [1, -2, 3], [0.5, -0.1, 2], 0.01)
    ;[1 - 0.01, -2 + 0.01, 3 - 0.01].forEach((want, i) => expect(w[i]).toBeCloseTo(want, 6))
  })

  it('first step on a matrix uses the factored estimate (hand-computed 2×2)', () => {
    // g = [[1, 2], [3, 4]]: row means of g² = [2.5, 12.5], column means = [5, 10], mean row = 7.5
    // U = g / √((row/7.5) ⊗ col): U² = [[0.6, 1.2], [1.08, 0.96]], RMS(U) = √0.96 < 1: no clipping
    const { w } = step([2, 2], [0, 0, 0, 0], [1, 2, 3, 4], 0.1)
    const u = [Math.sqrt(0.6), Math.sqrt(1.2), Math.sqrt(1.08), Math.sqrt(0.96)]
    u.forEach((ui, i) => expect(w[i]).toBeCloseTo(-0.1 * ui, 6))
  })

  it('second step: β2₂ = 1 − 2^−0.8, and updates with RMS above d = 1 are clipped', () => {
    const { opt } = step([2], [0, 0], [0.01, 0.01], 0.1)
    const { w } = step([2], [0, 0], [1, 1], 0.1, {}, opt)
    // v = β·1e−4 + (1 − β)·1 with β = 1 − 2^−0.8 ≈ 0.4257: U = 1/√v ≈ 1.3195 each, RMS 1.3195 -> clipped to 1
    const beta = 1 - 2 ** -0.8
    expect(1 / Math.sqrt(beta * 1e-4 + (1 - beta))).toBeGreaterThan(1.3)
    expect(w[0]).toBeCloseTo(-0.1, 6)
    expect(w[1]).toBeCloseTo(-0.1, 6)
  })

  it('scale_parameter multiplies the step by max(ε2, RMS(p)); relative_step ignores lr for min(1e-2, 1/√t)', () => {
    const scaled = step([2], [3, 4], [1, -1], 0.01, { scaleParameter: true }).w
    const rmsP = Math.sqrt((9 + 16) / 2)
    expect(scaled[0]).toBeCloseTo(3 - 0.01 * rmsP, 5)
    expect(scaled[1]).toBeCloseTo(4 + 0.01 * rmsP, 5)
    const zeroScaled = step([2], [0, 0], [1, -1], 0.01, { scaleParameter: true }).w
    expect(zeroScaled[0]).toBeCloseTo(-0.01 * 1e-3, 9)
    const relative = step([2], [0, 0], [1, -1], 123, { relativeStep: true }).w
    expect(relative[0]).toBeCloseTo(-1e-2, 7)
  })

  const variants: [string, number[], Partial<RefOptions>][] = [
    ['vector, defaults', [17], {}],
    ['matrix, defaults', [6, 5], {}],
    ['rank-3 tensor as a batch of matrices', [3, 4, 5], {}],
    ['matrix with β1 = 0.9 and weight decay 0.1', [4, 7], { beta1: 0.9, weightDecay: 0.1 }],
    ['matrix with scale_parameter, clip 0.5 and decay −0.5', [5, 3], { scaleParameter: true, clip: 0.5, decayRate: -0.5 }],
    ['vector with relative step', [9], { relativeStep: true }],
  ]
  it.each(variants)('matches a transcription of HF Adafactor over 15 steps: %s', (_name, shape, overrides) => {
    const o = { ...defaults, ...overrides }
    const n = shape.reduce((a, b) => a * b, 1)
    const opt = new Adafactor([{ name: 'w', shape }], { decayRate: o.decayRate, clipThreshold: o.clip, beta1: o.beta1, scaleParameter: o.scaleParameter, relativeStep: o.relativeStep, weightDecay: o.weightDecay })
    const p = randomArray(2, n)
    const p0 = Array.from(p)
    const grads = Array.from({ length: 15 }, (_, k) => Array.from(randomArray(200 + k, n, 0.05 * (1 + (k % 4)))))
    const lrs = grads.map((_, k) => 3e-2 / (1 + k))
    grads.forEach((g, k) => opt.update({ w: p }, { w: Float32Array.from(g) }, lrs[k]))
    const want = referenceAdafactor(p0, shape, grads, lrs, o)
    expect(maxRelativeError(p, want)).toBeLessThan(2e-5)
    expect(maxRelativeError(p, p0)).toBeGreaterThan(1e-3)
  })

  it('stores factored moments for matrices and full ones for vectors', () => {
    const opt = new Adafactor([{ name: 'm', shape: [2, 3, 4] }, { name: 'v', shape: [5] }], { beta1: 0.9 })
    const sizes = Object.fromEntries(Object.entries(opt.state().tensors).map(([k, t]) => [k, t.length]))
    expect(sizes).toEqual({ 'm/exp_avg_sq_row': 6, 'm/exp_avg_sq_col': 8, 'm/exp_avg': 24, 'v/exp_avg_sq': 5, 'v/exp_avg': 5 })
  })
})
