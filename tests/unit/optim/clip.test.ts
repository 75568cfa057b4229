import { describe, expect, it } from 'vitest'
import { clipGradientsByGlobalNorm, globalGradientNorm } from '../../../main/engine/optim'

describe('global-norm gradient clipping', () => {
  it('measures the norm over all tensors together and scales by max_norm / (norm + 1e-6)', () => {
    const grads = { a: Float32Array.from([3, 0]), b: Float32Array.from([0, 4]) }
    expect(globalGradientNorm(grads)).toBe(5)
    const result = clipGradientsByGlobalNorm(grads, 1)
    expect(result.norm).toBe(5)
    expect(result.scale).toBeCloseTo(1 / (5 + 1e-6), 12)
    expect(grads.a[0]).toBeCloseTo(0.6, 6)
    expect(grads.b[1]).toBeCloseTo(0.8, 6)
    expect(globalGradientNorm(grads)).toBeCloseTo(1, 5)
  })

  it('leaves gradients under the limit (or with no limit) untouched', () => {
    const grads = { a: Float32Array.from([0.3, 0.4]) }
    expect(clipGradientsByGlobalNorm(grads, 1)).toEqual({ norm: globalGradientNorm(grads), scale: 1, nonFinite: [] })
    expect(clipGradientsByGlobalNorm({ a: Float32Array.from([30, 40]) }, null).scale).toBe(1)
    expect(Array.from(grads.a)).toEqual([Math.fround(0.3), Math.fround(0.4)])
  })

  it('names non-finite gradients and scales nothing, so the step can be skipped', () => {
    const grads = { ok: Float32Array.from([10]), bad: Float32Array.from([Number.NaN, 1]) }
    const result = clipGradientsByGlobalNorm(grads, 1)
    expect(result.nonFinite).toEqual(['bad'])
    expect(grads.ok[0]).toBe(10)
    expect(() => clipGradientsByGlobalNorm(grads, 0)).toThrow(/max_grad_norm 0 must be > 0/)
  })
})
