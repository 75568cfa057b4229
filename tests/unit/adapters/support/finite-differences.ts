// Autodiff gradients of adapter parameters against central finite differences, both evaluated
// in float64 by the reference interpreter.
import type { AdapterParameter } from '../../../../main/engine/adapters'
import { gradients } from '../../../../main/engine/autodiff'
import type { Graph, Value } from '../../../../main/engine/ir'
import { Rng } from '../../../../main/engine/random'
import { evaluate, type NdArray } from '../../../../main/engine/reference'

export interface TensorGradientCheck {
  name: string
  /** Largest |autodiff − finite difference| / (1 + |finite difference|) over the checked elements. */
  maxError: number
  /** Largest |finite difference| seen: shows the check was not vacuous. */
  maxGradient: number
  checked: number
}

const H = 1e-6

/**
 * Checks d(loss)/d(parameter) for every parameter: every element, or `sample` elements chosen
 * at random (seeded) per tensor when given. The graph gets its gradient nodes added.
 */
export function checkParameterGradients(graph: Graph, loss: Value, parameters: readonly AdapterParameter[], feeds: Record<string, NdArray>, sample: number | null = null): TensorGradientCheck[] {
  const grads = gradients(loss, parameters.map((p) => p.value))
  const computed = evaluate(graph, feeds, grads)
  const lossAt = (name: string, index: number, delta: number): number => {
    const base = feeds[name]
    const data = base.data.slice()
    data[index] += delta
    return evaluate(graph, { ...feeds, [name]: { ...base, data } }, [loss])[0].data[0]
  }
  const pick = new Rng(99)
  return parameters.map((p, k) => {
    const all = Array.from({ length: p.size }, (_, i) => i)
    const indices = sample === null || sample >= p.size ? all : Array.from({ length: sample }, () => all[Math.floor(pick.uniform() * p.size)])
    let maxError = 0
    let maxGradient = 0
    for (const i of indices) {
      const fd = (lossAt(p.name, i, H) - lossAt(p.name, i, -H)) / (2 * H)
      const ad = computed[k].data[i]
      maxError = Math.max(maxError, Number.isFinite(ad) ? Math.abs(ad - fd) / (1 + Math.abs(fd)) : Infinity)
      maxGradient = Math.max(maxGradient, Math.abs(fd))
    }
    return { name: p.name, maxError, maxGradient, checked: indices.length }
  })
}
