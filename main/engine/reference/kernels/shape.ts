import { aroundAxis, broadcastOffsets, normalizeConcreteAxis, sizeOf, stridesOf } from '../ndarray'
import type { Kernel } from './kernel'

/**
 * Copies `count` slices along an axis, for tensors viewed as [outer, size, inner]: from
 * src[:, srcStart:srcStart+count, :] to dst[:, dstStart:dstStart+count, :].
 */
function copyAlongAxis(src: Float64Array, srcSize: number, srcStart: number, dst: Float64Array, dstSize: number, dstStart: number, count: number, outer: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    const from = (o * srcSize + srcStart) * inner
    dst.set(src.subarray(from, from + count * inner), (o * dstSize + dstStart) * inner)
  }
}

export const shapeKernels: { [K in 'Reshape' | 'Transpose' | 'Expand' | 'Concat' | 'Slice' | 'Pad']: Kernel<K> } = {
  Reshape: ([x], attrs, ctx) => {
    const shape = ctx.resolveShape(attrs.shape)
    if (sizeOf(shape) !== x.data.length) ctx.fail(`cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}]`)
    return [{ dtype: x.dtype, shape, data: x.data.slice() }]
  },
  Transpose: ([x], attrs) => {
    const shape = attrs.perm.map((p) => x.shape[p])
    const inStrides = stridesOf(x.shape)
    const permStrides = attrs.perm.map((p) => inStrides[p])
    const data = new Float64Array(x.data.length)
    const index = new Array<number>(shape.length).fill(0)
    let offset = 0
    for (let i = 0; i < data.length; i++) {
      data[i] = x.data[offset]
      for (let d = shape.length - 1; d >= 0; d--) {
        index[d]++
        offset += permStrides[d]
        if (index[d] < shape[d]) break
        offset -= permStrides[d] * index[d]
        index[d] = 0
      }
    }
    return [{ dtype: x.dtype, shape, data }]
  },
  Expand: ([x], attrs, ctx) => {
    const shape = ctx.resolveShape(attrs.shape)
    const ok = shape.length >= x.shape.length && x.shape.every((d, i) => d === 1 || d === shape[shape.length - x.shape.length + i])
    if (!ok) ctx.fail(`cannot expand [${x.shape.join(', ')}] to [${shape.join(', ')}]`)
    const offsets = broadcastOffsets(x.shape, shape)
    return [{ dtype: x.dtype, shape, data: Float64Array.from(offsets, (o) => x.data[o]) }]
  },
  Concat: (inputs, attrs) => {
    const axis = normalizeConcreteAxis(attrs.axis, inputs[0].shape.length)
    const shape = [...inputs[0].shape]
    shape[axis] = inputs.reduce((n, x) => n + x.shape[axis], 0)
    const { outer, size, inner } = aroundAxis(shape, axis)
    const data = new Float64Array(sizeOf(shape))
    let start = 0
    for (const x of inputs) {
      copyAlongAxis(x.data, x.shape[axis], 0, data, size, start, x.shape[axis], outer, inner)
      start += x.shape[axis]
    }
    return [{ dtype: inputs[0].dtype, shape, data }]
  },
  Slice: ([x], attrs) => {
    const axis = normalizeConcreteAxis(attrs.axis, x.shape.length)
    const shape = [...x.shape]
    shape[axis] = attrs.end - attrs.start
    const { outer, size, inner } = aroundAxis(shape, axis)
    const data = new Float64Array(sizeOf(shape))
    copyAlongAxis(x.data, x.shape[axis], attrs.start, data, size, 0, size, outer, inner)
    return [{ dtype: x.dtype, shape, data }]
  },
  Pad: ([x], attrs) => {
    const axis = normalizeConcreteAxis(attrs.axis, x.shape.length)
    const shape = [...x.shape]
    shape[axis] = x.shape[axis] + attrs.before + attrs.after
    const { outer, size, inner } = aroundAxis(shape, axis)
    const data = new Float64Array(sizeOf(shape))
    copyAlongAxis(x.data, x.shape[axis], 0, data, size, attrs.before, x.shape[axis], outer, inner)
    return [{ dtype: x.dtype, shape, data }]
  },
}
