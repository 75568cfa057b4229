import { describe, expect, it } from 'vitest'
import { Sgd } from '../../../main/engine/optim'

function run(options: ConstructorParameters<typeof Sgd>[1], grads: number[][], lr = 0.1, p0 = [1, -1]): number[] {
  const opt = new Sgd([{ name: 'w', shape: [p0.length] }], options)
  const w = Float32Array.from(p0)
  for (const g of grads) opt.update({ w }, { w: Float32Array.from(g) }, lr)
  return Array.from(w)
}

describe('SGD', () => {
  it('plain: p ← p − lr·g', () => {
    const w = run({}, [[0.5, 2], [1, -1]])
    expect(w[0]).toBeCloseTo(1 - 0.05 - 0.1, 6)
    expect(w[1]).toBeCloseTo(-1 - 0.2 + 0.1, 6)
  })

  it('momentum: the buffer starts at g, then b ← μ·b + g', () => {
    const w = run({ momentum: 0.9 }, [[1, 0], [1, 0], [0, 0]])
    // buffers 1, 1.9, 1.71: total move 0.1·(1 + 1.9 + 1.71)
    expect(w[0]).toBeCloseTo(1 - 0.1 * (1 + 1.9 + 1.71), 6)
  })

  it('Nesterov: the step is g + μ·b; dampening scales new gradients after the first', () => {
    const nesterov = run({ momentum: 0.5, nesterov: true }, [[1, 0], [1, 0]])
    // b1 = 1 -> step 1 + 0.5 = 1.5; b2 = 0.5 + 1 = 1.5 -> step 1 + 0.75 = 1.75
    expect(nesterov[0]).toBeCloseTo(1 - 0.1 * (1.5 + 1.75), 6)
    const damped = run({ momentum: 0.5, dampening: 0.5 }, [[1, 0], [1, 0]])
    // b1 = 1 (no dampening on the first), b2 = 0.5 + 0.5·1 = 1
    expect(damped[0]).toBeCloseTo(1 - 0.1 * 2, 6)
  })

  it('weight decay adds λ·p to the gradient', () => {
    const w = run({ weightDecay: 0.5 }, [[0, 0]], 0.1, [2, -4])
    expect(w).toEqual([Math.fround(2 - 0.1 * 1), Math.fround(-4 + 0.1 * 2)])
    expect(() => new Sgd([{ name: 'w', shape: [1] }], { nesterov: true })).toThrow(/Nesterov momentum needs momentum > 0/)
  })
})
