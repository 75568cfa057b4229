import { aroundAxis, normalizeConcreteAxis, sizeOf, stridesOf, type NdArray } from '../ndarray'
import type { Kernel, KernelContext } from './kernel'

/** ONNX indices may be negative (counted from the end); anything else out of range is an error. */
function checkedIndex(raw: number, size: number, ctx: KernelContext): number {
  const i = raw < 0 ? raw + size : raw
  if (!(i >= 0 && i < size)) ctx.fail(`index ${raw} is out of range for an axis of size ${size}`)
  return i
}

/**
 * Visits every element of `indices` (same rank as data) and yields the offset in a tensor of
 * shape `dataShape` whose coordinates are the element's, with the axis coordinate replaced by
 * the index value (the addressing of GatherElements and ScatterElements).
 */
function forEachElementIndex(dataShape: readonly number[], indices: NdArray, axis: number, ctx: KernelContext, visit: (i: number, dataOffset: number) => void): void {
  const rank = indices.shape.length
  for (let d = 0; d < rank; d++) {
    if (d !== axis && indices.shape[d] > dataShape[d]) ctx.fail(`indices axis ${d} (${indices.shape[d]}) exceeds data axis ${d} (${dataShape[d]})`)
  }
  const dataStrides = stridesOf(dataShape)
  const coords = new Array<number>(rank).fill(0)
  for (let i = 0; i < indices.data.length; i++) {
    let offset = 0
    for (let d = 0; d < rank; d++) offset += (d === axis ? checkedIndex(indices.data[i], dataShape[axis], ctx) : coords[d]) * dataStrides[d]
    visit(i, offset)
    for (let d = rank - 1; d >= 0; d--) {
      if (++coords[d] < indices.shape[d]) break
      coords[d] = 0
    }
  }
}

export const indexingKernels: { [K in 'Gather' | 'GatherElements' | 'ScatterElementsAdd' | 'TopK' | 'Iota']: Kernel<K> } = {
  Gather: ([data, indices], attrs, ctx) => {
    const axis = normalizeConcreteAxis(attrs.axis, data.shape.length)
    const { outer, size, inner } = aroundAxis(data.shape, axis)
    const n = indices.data.length
    const out = new Float64Array(outer * n * inner)
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const from = (o * size + checkedIndex(indices.data[j], size, ctx)) * inner
        out.set(data.data.subarray(from, from + inner), (o * n + j) * inner)
      }
    }
    const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)]
    return [{ dtype: data.dtype, shape, data: out }]
  },
  GatherElements: ([data, indices], attrs, ctx) => {
    const axis = normalizeConcreteAxis(attrs.axis, data.shape.length)
    const out = new Float64Array(indices.data.length)
    forEachElementIndex(data.shape, indices, axis, ctx, (i, offset) => (out[i] = data.data[offset]))
    return [{ dtype: data.dtype, shape: indices.shape, data: out }]
  },
  ScatterElementsAdd: ([data, indices, updates], attrs, ctx) => {
    const axis = normalizeConcreteAxis(attrs.axis, data.shape.length)
    if (updates.shape.join() !== indices.shape.join()) ctx.fail(`updates [${updates.shape.join(', ')}] and indices [${indices.shape.join(', ')}] differ`)
    const out = data.data.slice()
    forEachElementIndex(data.shape, indices, axis, ctx, (i, offset) => (out[offset] += updates.data[i]))
    return [{ dtype: data.dtype, shape: data.shape, data: out }]
  },
  TopK: ([x], attrs, ctx) => {
    const axis = normalizeConcreteAxis(attrs.axis, x.shape.length)
    const { outer, size, inner } = aroundAxis(x.shape, axis)
    if (attrs.k > size) ctx.fail(`k=${attrs.k} exceeds axis size ${size}`)
    const shape = [...x.shape]
    shape[axis] = attrs.k
    const values = new Float64Array(sizeOf(shape))
    const indices = new Float64Array(values.length)
    const order = Array.from({ length: size }, (_, i) => i)
    for (let o = 0; o < outer; o++) {
      for (let t = 0; t < inner; t++) {
        const at = (i: number) => x.data[(o * size + i) * inner + t]
        // Largest first; equal values keep the lower index first (ONNX TopK's tie rule).
        order.sort((p, q) => at(q) - at(p) || p - q)
        for (let j = 0; j < attrs.k; j++) {
          values[(o * attrs.k + j) * inner + t] = at(order[j])
          indices[(o * attrs.k + j) * inner + t] = order[j]
        }
      }
    }
    return [
      { dtype: x.dtype, shape, data: values },
      { dtype: 'int64', shape: [...shape], data: indices },
    ]
  },
  Iota: (_inputs, attrs, ctx) => {
    const [length] = ctx.resolveShape([attrs.length])
    return [{ dtype: 'int64', shape: [length], data: Float64Array.from({ length }, (_, i) => i) }]
  },
}
