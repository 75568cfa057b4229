// Gradients of gathers and scatters: a gather's adjoint is a scatter-add into zeros, and back.
import { dimProduct, F, normalizeAxis } from '../../ir'
import { zeros } from '../helpers'
import type { GradRule } from '../rule'

export const indexingRules: { [K in 'Gather' | 'GatherElements' | 'ScatterElementsAdd' | 'TopK']: GradRule<K> } = {
  // dY has shape data[:axis] + indices.shape + data[axis+1:]. Flatten the indices' axes to one
  // axis of n = |indices| entries and scatter-add along `axis` (ORT uses ScatterND; our op set
  // has ScatterElements(add), which needs the indices broadcast to the updates' shape).
  Gather: ({ inputs: [data, indices], attrs, dY }) => [
    () => {
      const axis = normalizeAxis(attrs.axis, data.rank, () => 'autodiff Gather')
      const before = data.shape.slice(0, axis)
      const after = data.shape.slice(axis + 1)
      const n = dimProduct(indices.shape)
      const updates = F.reshape(dY, [...before, n, ...after]) // [...before, n, ...after]
      const flatIndices = F.reshape(indices, [...before.map(() => 1), n, ...after.map(() => 1)])
      const spread = F.expand(flatIndices, updates.shape)
      return F.scatterElementsAdd(zeros(data.graph, data.shape, data.dtype), spread, updates, axis)
    },
    null,
  ],
  GatherElements: ({ inputs: [data, indices], attrs, dY }) => [
    () => F.scatterElementsAdd(zeros(data.graph, data.shape, data.dtype), indices, dY, attrs.axis),
    null,
  ],
  ScatterElementsAdd: ({ inputs: [, indices], attrs, dY }) => [() => dY, null, () => F.gatherElements(dY, indices, attrs.axis)],
  // Only the selected values carry gradient; the int64 indices output carries none.
  TopK: ({ inputs: [x], outputs: [, indices], attrs, dY }) => [() => F.scatterElementsAdd(zeros(x.graph, x.shape, x.dtype), indices, dY, attrs.axis)],
}
