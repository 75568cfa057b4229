import { broadcastOffsets, normalizeConcreteAxis, sizeOf, type NdArray } from '../ndarray'
import type { Kernel } from './kernel'

interface Reduced {
  /** Shape with the reduced axes kept as 1. */
  keptShape: number[]
  /** For each input element, the offset of its slot in the reduced tensor. */
  slot: Int32Array
}

function reduction(x: NdArray, axes: readonly number[]): Reduced {
  const normalized = axes.map((a) => normalizeConcreteAxis(a, x.shape.length))
  const keptShape = x.shape.map((d, i) => (normalized.includes(i) ? 1 : d))
  return { keptShape, slot: broadcastOffsets(keptShape, x.shape) }
}

function reduceWith(x: NdArray, axes: readonly number[], keepdims: boolean, init: number, step: (acc: number, v: number) => number): NdArray {
  const { keptShape, slot } = reduction(x, axes)
  const data = new Float64Array(sizeOf(keptShape)).fill(init)
  for (let i = 0; i < x.data.length; i++) data[slot[i]] = step(data[slot[i]], x.data[i])
  const normalized = axes.map((a) => normalizeConcreteAxis(a, x.shape.length))
  const shape = keepdims ? keptShape : x.shape.filter((_, i) => !normalized.includes(i))
  return { dtype: x.dtype, shape, data }
}

function reduceSum(x: NdArray, axes: readonly number[], keepdims: boolean): NdArray {
  return reduceWith(x, axes, keepdims, 0, (acc, v) => acc + v)
}

function reduceMax(x: NdArray, axes: readonly number[], keepdims: boolean): NdArray {
  // NaN propagates, as in ORT.
  return reduceWith(x, axes, keepdims, -Infinity, (acc, v) => (Number.isNaN(acc) ? acc : v > acc || Number.isNaN(v) ? v : acc))
}

/** log-sum-exp style normalisation along one axis, shifted by the max for stability. */
function softmaxAlong(x: NdArray, axis: number, log: boolean): NdArray {
  const a = normalizeConcreteAxis(axis, x.shape.length)
  const max = reduceMax(x, [a], true)
  const slot = broadcastOffsets(max.shape, x.shape)
  const shifted = x.data.map((v, i) => v - max.data[slot[i]])
  const sums = reduceSum({ dtype: x.dtype, shape: x.shape, data: shifted.map(Math.exp) }, [a], true)
  const data = log ? shifted.map((v, i) => v - Math.log(sums.data[slot[i]])) : shifted.map((v, i) => Math.exp(v) / sums.data[slot[i]])
  return { dtype: x.dtype, shape: x.shape, data }
}

export const reduceKernels: { [K in 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'Softmax' | 'LogSoftmax' | 'MatMul']: Kernel<K> } = {
  ReduceSum: ([x], attrs) => [reduceSum(x, attrs.axes, attrs.keepdims)],
  ReduceMean: ([x], attrs) => {
    const sum = reduceSum(x, attrs.axes, attrs.keepdims)
    const count = attrs.axes.reduce((n, a) => n * x.shape[normalizeConcreteAxis(a, x.shape.length)], 1)
    return [{ ...sum, data: sum.data.map((v) => v / count) }]
  },
  ReduceMax: ([x], attrs) => [reduceMax(x, attrs.axes, attrs.keepdims)],
  Softmax: ([x], attrs) => [softmaxAlong(x, attrs.axis, false)],
  LogSoftmax: ([x], attrs) => [softmaxAlong(x, attrs.axis, true)],
  MatMul: ([a, b], _attrs, ctx) => {
    const [m, k] = a.shape.slice(-2)
    const [k2, n] = b.shape.slice(-2)
    if (k !== k2) ctx.fail(`inner dimensions differ: ${k} vs ${k2}`)
    const batchA = a.shape.slice(0, -2)
    const batchB = b.shape.slice(0, -2)
    const rank = Math.max(batchA.length, batchB.length)
    const batch: number[] = []
    for (let i = 0; i < rank; i++) {
      const da = batchA[batchA.length - rank + i] ?? 1
      const db = batchB[batchB.length - rank + i] ?? 1
      if (da !== db && da !== 1 && db !== 1) ctx.fail(`batch axes [${batchA.join(', ')}] and [${batchB.join(', ')}] do not broadcast`)
      batch.push(da === 1 ? db : da)
    }
    const offA = broadcastOffsets(batchA, batch)
    const offB = broadcastOffsets(batchB, batch)
    const out = new Float64Array(sizeOf(batch) * m * n)
    const ad = a.data
    const bd = b.data
    for (let p = 0; p < offA.length; p++) {
      const baseA = offA[p] * m * k
      const baseB = offB[p] * k * n
      const baseY = p * m * n
      // i-t-j order: the innermost loop walks rows of B and Y contiguously
      for (let i = 0; i < m; i++) {
        for (let t = 0; t < k; t++) {
          const av = ad[baseA + i * k + t]
          const rowB = baseB + t * n
          const rowY = baseY + i * n
          for (let j = 0; j < n; j++) out[rowY + j] += av * bd[rowB + j]
        }
      }
    }
    return [{ dtype: a.dtype, shape: [...batch, m, n], data: out }]
  },
}

