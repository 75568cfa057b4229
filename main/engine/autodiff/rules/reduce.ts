// Gradients of reductions, softmax and matrix products.
import { F, normalizeAxis, type Value } from '../../ir'
import { elementCount, reduceToShape, transposeLast2, withKeptDims } from '../helpers'
import type { GradRule } from '../rule'

export const reduceRules: { [K in 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'Softmax' | 'LogSoftmax' | 'MatMul']: GradRule<K> } = {
  ReduceSum: ({ inputs: [x], attrs, dY }) => [() => F.expand(withKeptDims(dY, x, attrs.axes, attrs.keepdims), x.shape)],
  ReduceMean: ({ inputs: [x], attrs, dY }) => [
    () => F.div(F.expand(withKeptDims(dY, x, attrs.axes, attrs.keepdims), x.shape), elementCount(x, attrs.axes, x.dtype)),
  ],
  // Routed to the positions that hold the max; ties share it evenly (as PyTorch's amax).
  ReduceMax: ({ inputs: [x], outputs: [y], attrs, dY }) => [
    () => {
      const isMax = F.cast(F.equal(x, withKeptDims(y, x, attrs.axes, attrs.keepdims)), x.dtype)
      const ties = F.sum(isMax, attrs.axes, true)
      return F.mul(isMax, F.div(withKeptDims(dY, x, attrs.axes, attrs.keepdims), ties))
    },
  ],
  // dX = y * (dY - sum(dY * y))
  Softmax: ({ outputs: [y], attrs, dY }) => [() => F.mul(y, F.sub(dY, F.sum(F.mul(dY, y), [attrs.axis], true)))],
  // dX = dY - exp(y) * sum(dY). When dY is a scatter into zeros (the gradient of a gather from y:
  // cross-entropy picking each row's label), sum(dY) is the sum of the scattered values and
  // dX = scatter-add(−exp(y)·sum(g), idx, g): the [tokens, vocab] zeros, the reduction over them
  // and the subtraction never exist. Measured ~30% of a small-model train step (vocab 32000).
  LogSoftmax: ({ outputs: [y], attrs, dY }) => [
    () => {
      const scatter = scatterIntoZeros(dY, attrs.axis)
      if (scatter) return F.scatterElementsAdd(F.mul(F.exp(y), F.neg(F.sum(scatter.updates, [attrs.axis], true))), scatter.indices, scatter.updates, attrs.axis)
      return F.sub(dY, F.mul(F.exp(y), F.sum(dY, [attrs.axis], true)))
    },
  ],
  // dA = dY · Bᵀ, dB = Aᵀ · dY, each summed over the batch axes its operand was broadcast along.
  MatMul: ({ inputs: [a, b], dY }) => [
    () => reduceToShape(F.matmul(dY, transposeLast2(b)), a.shape),
    () => reduceToShape(F.matmul(transposeLast2(a), dY), b.shape),
  ],
}

/** dY = ScatterElementsAdd(zeros, indices, updates) along `axis`: its indices and updates; else null. */
function scatterIntoZeros(dY: Value, axis: number): { indices: Value; updates: Value } | null {
  if (dY.origin.kind !== 'node' || dY.origin.node.op !== 'ScatterElementsAdd') return null
  const node = dY.origin.node
  const where = () => 'autodiff LogSoftmax'
  if (normalizeAxis((node.attrs as { axis: number }).axis, dY.rank, where) !== normalizeAxis(axis, dY.rank, where)) return null
  const [data, indices, updates] = node.inputs
  return isZeros(data) ? { indices, updates } : null
}

/** A constant of zeros, or one broadcast by Expand (autodiff's zeros()). */
function isZeros(v: Value): boolean {
  if (v.origin.kind === 'constant') return Array.from(v.origin.data).every((x) => x === 0)
  return v.origin.kind === 'node' && v.origin.node.op === 'Expand' && isZeros(v.origin.node.inputs[0])
}
