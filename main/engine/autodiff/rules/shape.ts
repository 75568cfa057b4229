// Gradients of data-movement ops: each is the adjoint movement (reshape back, inverse
// permutation, slice <-> pad, concat -> slices, expand -> sum).
import { F, normalizeAxis } from '../../ir'
import { reduceToShape } from '../helpers'
import type { GradRule } from '../rule'

const axisOf = (axis: number, rank: number) => normalizeAxis(axis, rank, () => 'autodiff')

export const shapeRules: { [K in 'Reshape' | 'Transpose' | 'Expand' | 'Concat' | 'Slice' | 'Pad']: GradRule<K> } = {
  Reshape: ({ inputs: [x], dY }) => [() => F.reshape(dY, x.shape)],
  Transpose: ({ attrs, dY }) => {
    const inverse = new Array<number>(attrs.perm.length)
    attrs.perm.forEach((p, i) => (inverse[p] = i))
    return [() => F.transpose(dY, inverse)]
  },
  Expand: ({ inputs: [x], dY }) => [() => reduceToShape(dY, x.shape)],
  Concat: ({ inputs, attrs, dY }) => {
    const axis = axisOf(attrs.axis, dY.rank)
    let start = 0
    return inputs.map((x) => {
      // Shape inference made every concat-axis size static.
      const from = start
      const size = x.shape[axis] as number
      start += size
      return () => (inputs.length === 1 ? dY : F.slice(dY, axis, from, from + size))
    })
  },
  Slice: ({ inputs: [x], attrs, dY }) => {
    const axis = axisOf(attrs.axis, x.rank)
    return [() => F.pad(dY, axis, attrs.start, (x.shape[axis] as number) - attrs.end)]
  },
  Pad: ({ inputs: [x], attrs, dY }) => {
    const axis = axisOf(attrs.axis, x.rank)
    return [() => F.slice(dY, axis, attrs.before, attrs.before + (x.shape[axis] as number))]
  },
}
