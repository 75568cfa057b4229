// Gradients of reductions, softmax and matrix products.
import { F } from '../../ir'
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
  // dX = dY - exp(y) * sum(dY)
  LogSoftmax: ({ outputs: [y], attrs, dY }) => [() => F.sub(dY, F.mul(F.exp(y), F.sum(dY, [attrs.axis], true)))],
  // dA = dY · Bᵀ, dB = Aᵀ · dY, each summed over the batch axes its operand was broadcast along.
  MatMul: ({ inputs: [a, b], dY }) => [
    () => reduceToShape(F.matmul(dY, transposeLast2(b)), a.shape),
    () => reduceToShape(F.matmul(transposeLast2(a), dY), b.shape),
  ],
}
