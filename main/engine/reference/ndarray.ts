import { isFloat, type DType } from '../ir'

/**
 * A concrete tensor of the reference interpreter. Every dtype is held in a Float64Array:
 * floats at float64 precision, integers as exact numbers (|x| < 2^53), bool as 0/1.
 */
export interface NdArray {
  readonly dtype: DType
  readonly shape: readonly number[]
  readonly data: Float64Array
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

/** Builds an NdArray, checking the element count and that integer/bool data holds integers/0-1. */
export function ndarray(dtype: DType, shape: readonly number[], data?: ArrayLike<number>): NdArray {
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`ndarray: shape [${shape.join(', ')}] must hold non-negative integers`)
  const size = sizeOf(shape)
  const values = data === undefined ? new Float64Array(size) : Float64Array.from(data)
  if (values.length !== size) throw new Error(`ndarray: shape [${shape.join(', ')}] needs ${size} values, got ${values.length}`)
  if (!isFloat(dtype)) {
    for (const v of values) {
      if (!Number.isInteger(v) || (dtype === 'bool' && v !== 0 && v !== 1)) throw new Error(`ndarray: ${dtype} data holds ${v}`)
    }
  }
  return { dtype, shape: [...shape], data: values }
}

export function scalar(dtype: DType, value: number): NdArray {
  return ndarray(dtype, [], [value])
}

/** Numpy broadcasting of concrete shapes; null when they do not broadcast. */
export function broadcastConcrete(shapes: readonly (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length))
  const out: number[] = []
  for (let i = 0; i < rank; i++) {
    let d = 1
    for (const s of shapes) {
      const x = s[s.length - rank + i] ?? 1
      if (x === d || x === 1) continue
      if (d !== 1) return null
      d = x
    }
    out.push(d)
  }
  return out
}

/**
 * For each element of a tensor of shape `outShape` (row-major), the offset of the element of a
 * tensor of shape `inShape` that broadcasts onto it. Used by elementwise ops, Expand, MatMul's
 * batch axes, and reductions (a keepdims shape broadcasts onto its input).
 */
export function broadcastOffsets(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length
  const inStrides = stridesOf(inShape)
  const aligned = outShape.map((d, i) => {
    const j = i - (rank - inShape.length)
    return j < 0 || inShape[j] === 1 ? 0 : inStrides[j]
  })
  const n = sizeOf(outShape)
  const offsets = new Int32Array(n)
  const index = new Array<number>(rank).fill(0)
  let offset = 0
  for (let i = 0; i < n; i++) {
    offsets[i] = offset
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++
      offset += aligned[d]
      if (index[d] < outShape[d]) break
      offset -= aligned[d] * index[d]
      index[d] = 0
    }
  }
  return offsets
}

/** Shape viewed as [outer, shape[axis], inner] around one axis. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; size: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), size: shape[axis], inner: sizeOf(shape.slice(axis + 1)) }
}

export function normalizeConcreteAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis
}
