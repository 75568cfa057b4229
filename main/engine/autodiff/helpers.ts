// The few gradient idioms that several rules share; broadcasting is undone here and only here.
import { broadcastAxes, F, formatShape, shapesEqual, type DType, type Graph, type Shape, type Value } from '../ir'

/** Sums `grad` over the axes along which a tensor of `target` shape was broadcast to grad's shape. */
export function reduceToShape(grad: Value, target: Shape): Value {
  if (shapesEqual(grad.shape, target)) return grad
  const axes = broadcastAxes(target, grad.shape)
  if (axes.length === 0) throw new Error(`reduceToShape: ${grad.describe()} is not a broadcast of ${formatShape(target)}`)
  const summed = F.sum(grad, axes, true)
  return shapesEqual(summed.shape, target) ? summed : F.reshape(summed, target)
}

/** Zeros of a possibly symbolic shape: a scalar 0 expanded (symbols resolve at run time). */
export function zeros(graph: Graph, shape: Shape, dtype: DType): Value {
  const zero = graph.scalar(0, dtype)
  return shape.length === 0 ? zero : F.expand(zero, shape)
}

/** The number of elements over `axes` of `x` as a scalar tensor; symbolic dims are counted at run time. */
export function elementCount(x: Value, axes: readonly number[], dtype: DType): Value {
  const g = x.graph
  let staticCount = 1
  let count: Value | null = null
  for (const axis of axes) {
    const dim = x.shape[axis < 0 ? axis + x.rank : axis]
    if (typeof dim === 'number') {
      staticCount *= dim
      continue
    }
    // A symbolic dim has no constant: sum a vector of ones of that length.
    const n = F.sum(F.expand(g.scalar(1, dtype), [dim]), [0])
    count = count ? F.mul(count, n) : n
  }
  return count ? (staticCount === 1 ? count : F.mul(count, staticCount)) : g.scalar(staticCount, dtype)
}

/** The reduced-to shape with the reduced axes kept as 1, whatever keepdims the reduction used. */
export function keptShape(x: Value, axes: readonly number[]): Shape {
  const normalized = axes.map((a) => (a < 0 ? a + x.rank : a))
  return x.shape.map((d, i) => (normalized.includes(i) ? 1 : d))
}

/** Reshapes a reduction's output (or its gradient) so that it broadcasts against the input. */
export function withKeptDims(y: Value, x: Value, axes: readonly number[], keepdims: boolean): Value {
  return keepdims ? y : F.reshape(y, keptShape(x, axes))
}

/** Swaps the last two axes (matrix transpose of a batch of matrices). */
export function transposeLast2(x: Value): Value {
  const perm = Array.from({ length: x.rank }, (_, i) => i)
  perm[x.rank - 2] = x.rank - 1
  perm[x.rank - 1] = x.rank - 2
  return F.transpose(x, perm)
}

/**
 * A float32 scalar 0 that onnxruntime can compute only once every one of `values` exists, and that
 * is 0 whatever they hold (NaN and inf included): Less(Σ v₀, −inf) is false for every sum, NaN
 * and ±inf too, where 0·Σv would be NaN for an inf gradient (and a sum of finite fp16 values can
 * overflow, which the fp16 loss scaler would take for an overflow of the step). Each v₀ is one
 * element of v, its first: depending on it orders as well as reading all of v, which a quantized
 * product's input gradient did for every weight (1% of an int4 step, measured with ReduceMax).
 * Added to an operand, it makes that computation wait for `values` (ORT orders nodes by data
 * dependencies only) and gives it an input no other node has, so common-subexpression elimination
 * cannot merge it with an earlier copy, nor constant folding turn it into a stored tensor.
 * x + 0 is exactly x (−0 becomes +0, which no model op tells apart).
 */
export function zeroAfter(values: readonly Value[]): Value {
  // Index 0 of every axis, the last first: each Gather copies at most what the previous one left.
  const first = (v: Value) => {
    const zero = v.graph.scalar(0, 'int64')
    return v.shape.reduceRight((x, _, axis) => F.gather(x, zero, axis), v)
  }
  const peaks = values.map((v) => F.cast(first(v), 'float32'))
  return F.cast(F.less(peaks.reduce((a, b) => F.add(a, b)), -Infinity), 'float32')
}
