// Finite-difference checking of autodiff, evaluated in float64 by the reference interpreter.
import { F, Graph, isFloat, type DType, type Shape, type Value } from '../../../main/engine/ir'
import { gradients } from '../../../main/engine/autodiff'
import { evaluate, ndarray, type NdArray } from '../../../main/engine/reference'
import { seededUniform } from '../../../main/engine/random'

/** Uniform in [0, 1) from a seeded mulberry32 stream, so every failure reproduces. */
export const seededRandom: (seed: number) => () => number = seededUniform

export interface InputSpec {
  /** Declared shape (may hold symbols). */
  shape: Shape
  /** Concrete shape fed; defaults to `shape` when it is static. */
  concrete?: number[]
  dtype?: DType
  /** Fixed data (indices, masks); else uniform random in `range`. */
  data?: number[]
  range?: [number, number]
}

export interface GradCase {
  name: string
  inputs: Record<string, InputSpec>
  build: (x: Record<string, Value>, g: Graph) => Value
  /** Inputs to differentiate; default every float input without fixed data. */
  wrt?: string[]
}

export interface GradCheckResult {
  /** Largest |autodiff - finite difference| / (|finite difference| + 1e-2) over all elements. */
  maxError: number
  /** Largest |finite difference|, to show the check was not vacuous. */
  maxGradient: number
  /** Nodes that autodiff added to the graph. */
  gradientNodes: number
}

const H = 1e-6

export function feedsFor(inputs: Record<string, InputSpec>, random: () => number): Record<string, NdArray> {
  const feeds: Record<string, NdArray> = {}
  for (const [name, spec] of Object.entries(inputs)) {
    const shape = spec.concrete ?? (spec.shape as number[])
    const size = shape.reduce((a, b) => a * b, 1)
    const [lo, hi] = spec.range ?? [-1.5, 1.5]
    const data = spec.data ?? Array.from({ length: size }, () => lo + (hi - lo) * random())
    feeds[name] = ndarray(spec.dtype ?? 'float64', shape, data)
  }
  return feeds
}

/**
 * Builds y = build(inputs), loss = sum(y * W) with random W, differentiates the loss with
 * autodiff, and compares with central differences (f(x+h) - f(x-h)) / 2h for every element.
 */
export function gradCheck(c: GradCase, seed = 1): GradCheckResult {
  const random = seededRandom(seed)
  const g = new Graph()
  const values: Record<string, Value> = {}
  for (const [name, spec] of Object.entries(c.inputs)) values[name] = g.input(name, spec.dtype ?? 'float64', spec.shape)
  const y = c.build(values, g)
  const feeds = feedsFor(c.inputs, random)
  const [yValue] = evaluate(g, feeds, [y])
  const weights = g.input('__loss_weights', y.dtype, y.shape)
  feeds.__loss_weights = ndarray(y.dtype, yValue.shape, Array.from(yValue.data, () => random() * 2 - 1))
  const weighted = F.mul(y, weights)
  const loss = y.rank === 0 ? weighted : F.sum(weighted, y.shape.map((_, i) => i))

  const wrtNames = c.wrt ?? Object.keys(c.inputs).filter((n) => isFloat(c.inputs[n].dtype ?? 'float64') && !c.inputs[n].data)
  const nodesBefore = g.nodes.length
  const grads = gradients(loss, wrtNames.map((n) => values[n]))
  const gradientNodes = g.nodes.length - nodesBefore
  const computed = evaluate(g, feeds, grads)

  let maxError = 0
  let maxGradient = 0
  wrtNames.forEach((name, k) => {
    const base = feeds[name]
    if (computed[k].shape.join() !== base.shape.join()) throw new Error(`gradient of ${name} has shape [${computed[k].shape}] but the input is [${base.shape}]`)
    for (let j = 0; j < base.data.length; j++) {
      const shifted = (delta: number) => {
        const data = base.data.slice()
        data[j] += delta
        return evaluate(g, { ...feeds, [name]: { ...base, data } }, [loss])[0].data[0]
      }
      const fd = (shifted(H) - shifted(-H)) / (2 * H)
      const ad = computed[k].data[j]
      maxError = Math.max(maxError, Math.abs(ad - fd) / (Math.abs(fd) + 1e-2))
      maxGradient = Math.max(maxGradient, Math.abs(fd))
      if (!Number.isFinite(ad)) maxError = Infinity
    }
  })
  return { maxError, maxGradient, gradientNodes }
}
