import { isFloat, type DType } from './dtype'
import { GraphBuildError } from './errors'
import { broadcastShapes, dimProduct, dimsEqual, formatShape, normalizeAxis, type Dim, type Shape } from './shape'
import type { Value } from './graph'

type NoAttrs = Record<string, never>
interface Reduce { axes: readonly number[]; keepdims: boolean }
/**
 * A frozen weight W [rows, cols] stored blockwise-quantized (main/engine/quant/blockwise.ts):
 * q uint8 [rows, cols / blockSize, blockSize·bits/8] and scales [rows, cols / blockSize].
 */
export interface QuantizedAttrs { bits: 4 | 8; blockSize: number; rows: number; cols: number }

/**
 * The closed op set. Softmax-with-mask, GELU, SiLU, RMSNorm, LayerNorm, attention and
 * cross-entropy are compositions of these (see main/engine/nn). Every op maps onto standard
 * ai.onnx ops (opset 17) on emission, has a float64 reference implementation and a gradient
 * rule (or is declared non-differentiable); tables keyed by OpName keep that complete.
 * Shapes in attributes may contain symbols, resolved at run time from the graph inputs.
 */
export interface OpAttrMap {
  // elementwise, numpy broadcasting, both inputs of one dtype
  Add: NoAttrs
  Sub: NoAttrs
  Mul: NoAttrs
  Div: NoAttrs
  Pow: NoAttrs
  Max: NoAttrs
  Min: NoAttrs
  // comparisons and logic -> bool
  Equal: NoAttrs
  Less: NoAttrs
  Greater: NoAttrs
  And: NoAttrs
  Or: NoAttrs
  Not: NoAttrs
  /** Where(cond: bool, a, b) */
  Where: NoAttrs
  // unary
  Neg: NoAttrs
  Exp: NoAttrs
  Log: NoAttrs
  Sqrt: NoAttrs
  Reciprocal: NoAttrs
  Tanh: NoAttrs
  Sigmoid: NoAttrs
  Erf: NoAttrs
  Abs: NoAttrs
  Cast: { to: DType }
  Identity: NoAttrs
  /** Identity in the forward pass; autodiff does not look through it. */
  StopGradient: NoAttrs
  /** Batched matrix product, rank >= 2 on both sides, batch axes broadcast. */
  MatMul: NoAttrs
  ReduceSum: Reduce
  ReduceMean: Reduce
  ReduceMax: Reduce
  Softmax: { axis: number }
  LogSoftmax: { axis: number }
  /** Target shape may hold symbols; its element count must equal the input's. */
  Reshape: { shape: Shape }
  Transpose: { perm: readonly number[] }
  /** Broadcast to a target shape (numpy rules). */
  Expand: { shape: Shape }
  Concat: { axis: number }
  /** x[..., start:end, ...] along one axis, step 1, static bounds. */
  Slice: { axis: number; start: number; end: number }
  /** Zero padding along one axis (the gradient of Slice). */
  Pad: { axis: number; before: number; after: number }
  /** Gather(data, indices: int64 | int32) along axis: out = data[:axis] + indices.shape + data[axis+1:]. */
  Gather: { axis: number }
  /** GatherElements(data, indices: int64 | int32): out has the indices' shape. */
  GatherElements: { axis: number }
  /** ScatterElements(data, indices, updates) with reduction 'add' (the gradient of GatherElements). */
  ScatterElementsAdd: { axis: number }
  /** TopK(x) -> [values, indices: int64], largest first. */
  TopK: { k: number; axis: number }
  /** [0, 1, ..., length-1] as int64; length may be a symbol. */
  Iota: { length: Dim }
  /** MatMulNBits(x [..., cols], q, scales) = x·Wᵀ [..., rows] (com.microsoft); scales in x's dtype. */
  MatMulNBits: QuantizedAttrs
  /** DequantizeNBits(q, scales) = W [rows, cols] in the scales' dtype (what the input gradient multiplies by). */
  DequantizeNBits: QuantizedAttrs
  /** GatherNBits(q, indices, scales) = W[indices] [...indices, cols] in the scales' dtype (an embedding lookup). */
  GatherNBits: QuantizedAttrs
}

export type OpName = keyof OpAttrMap
export type OpAttrs<K extends OpName> = OpAttrMap[K]
export interface OutputSpec { dtype: DType; shape: Shape }

type InferFn<A> = (inputs: readonly Value[], attrs: A, where: () => string) => OutputSpec[]
type Infer<K extends OpName> = InferFn<OpAttrs<K>>

function fail(where: () => string, message: string): never {
  throw new GraphBuildError(`${where()}: ${message}`)
}

function arity(inputs: readonly Value[], n: number, where: () => string): void {
  if (inputs.length !== n) fail(where, `expects ${n} input(s), got ${inputs.length}`)
}

function sameDType(inputs: readonly Value[], where: () => string): DType {
  const d = inputs[0].dtype
  for (const v of inputs) if (v.dtype !== d) fail(where, `inputs must share one dtype (got ${inputs.map((i) => i.dtype).join(', ')}); insert a Cast`)
  return d
}

function requireFloat(v: Value, where: () => string): void {
  if (!isFloat(v.dtype)) fail(where, `needs a floating-point input, got ${v.dtype}`)
}

/** Index tensors are int64 or int32 (int32 where a GPU provider lacks the int64 kernel). */
function requireIndices(v: Value, where: () => string): void {
  if (v.dtype !== 'int64' && v.dtype !== 'int32') fail(where, `indices must be int64 or int32, got ${v.dtype}`)
}

function requireDType(v: Value, dtype: DType, role: string, where: () => string): void {
  if (v.dtype !== dtype) fail(where, `${role} must be ${dtype}, got ${v.dtype}`)
}

const binary = (result: 'same' | 'bool', floatOnly = false): InferFn<NoAttrs> => (inputs, _a, where) => {
  arity(inputs, 2, where)
  const dtype = sameDType(inputs, where)
  if (floatOnly) requireFloat(inputs[0], where)
  return [{ dtype: result === 'bool' ? 'bool' : dtype, shape: broadcastShapes(inputs[0].shape, inputs[1].shape, where) }]
}

const logical: InferFn<NoAttrs> = (inputs, _a, where) => {
  arity(inputs, 2, where)
  inputs.forEach((v) => requireDType(v, 'bool', 'input', where))
  return [{ dtype: 'bool', shape: broadcastShapes(inputs[0].shape, inputs[1].shape, where) }]
}

const unary = (floatOnly: boolean): InferFn<NoAttrs> => (inputs, _a, where) => {
  arity(inputs, 1, where)
  if (floatOnly) requireFloat(inputs[0], where)
  return [{ dtype: inputs[0].dtype, shape: inputs[0].shape }]
}

const reduce: InferFn<Reduce> = (inputs, attrs, where) => {
  arity(inputs, 1, where)
  const x = inputs[0]
  const axes = attrs.axes.map((a) => normalizeAxis(a, x.rank, where))
  if (new Set(axes).size !== axes.length) fail(where, `repeated axis in [${attrs.axes.join(', ')}]`)
  if (axes.length === 0) fail(where, 'needs at least one axis')
  const shape = attrs.keepdims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i))
  return [{ dtype: x.dtype, shape }]
}

const softmaxLike: InferFn<{ axis: number }> = (inputs, attrs, where) => {
  arity(inputs, 1, where)
  requireFloat(inputs[0], where)
  normalizeAxis(attrs.axis, inputs[0].rank, where)
  return [{ dtype: inputs[0].dtype, shape: inputs[0].shape }]
}

/** Symbolic element counts are compared as products; equal products are equal counts. */
function sameElementCount(a: Shape, b: Shape): boolean {
  return dimsEqual(dimProduct(a), dimProduct(b))
}

/** Checks q and scales of a quantized weight against its attributes. */
function checkQuantized(q: Value, scales: Value, attrs: QuantizedAttrs, where: () => string): void {
  const { bits, blockSize, rows, cols } = attrs
  if (bits !== 4 && bits !== 8) fail(where, `bits must be 4 or 8, got ${String(bits)}`)
  if (cols % blockSize !== 0) fail(where, `cols ${cols} must be a multiple of the block size ${blockSize}`)
  const blocks = cols / blockSize
  requireDType(q, 'uint8', 'the quantized weight', where)
  if (!shapesEqualStatic(q.shape, [rows, blocks, (blockSize * bits) / 8])) fail(where, `the quantized weight must be [${rows}, ${blocks}, ${(blockSize * bits) / 8}], got ${formatShape(q.shape)}`)
  requireFloat(scales, where)
  if (!shapesEqualStatic(scales.shape, [rows, blocks])) fail(where, `scales must be [${rows}, ${blocks}], got ${formatShape(scales.shape)}`)
}

function shapesEqualStatic(shape: Shape, expected: readonly number[]): boolean {
  return shape.length === expected.length && shape.every((d, i) => d === expected[i])
}

const infer: { [K in OpName]: Infer<K> } = {
  Add: binary('same'),
  Sub: binary('same'),
  Mul: binary('same'),
  Div: binary('same'),
  Pow: binary('same', true),
  Max: binary('same'),
  Min: binary('same'),
  Equal: binary('bool'),
  Less: binary('bool'),
  Greater: binary('bool'),
  And: logical,
  Or: logical,
  Not: (inputs, _a, where) => {
    arity(inputs, 1, where)
    requireDType(inputs[0], 'bool', 'input', where)
    return [{ dtype: 'bool', shape: inputs[0].shape }]
  },
  Where: (inputs, _a, where) => {
    arity(inputs, 3, where)
    requireDType(inputs[0], 'bool', 'condition', where)
    const dtype = sameDType(inputs.slice(1), where)
    const ab = broadcastShapes(inputs[1].shape, inputs[2].shape, where)
    return [{ dtype, shape: broadcastShapes(inputs[0].shape, ab, where) }]
  },
  Neg: unary(false),
  Exp: unary(true),
  Log: unary(true),
  Sqrt: unary(true),
  Reciprocal: unary(true),
  Tanh: unary(true),
  Sigmoid: unary(true),
  Erf: unary(true),
  Abs: unary(false),
  Cast: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    return [{ dtype: attrs.to, shape: inputs[0].shape }]
  },
  Identity: unary(false),
  StopGradient: unary(false),
  MatMul: (inputs, _a, where) => {
    arity(inputs, 2, where)
    const dtype = sameDType(inputs, where)
    const [a, b] = inputs
    if (a.rank < 2 || b.rank < 2) fail(where, 'both inputs need rank >= 2 (reshape vectors to matrices)')
    const k1 = a.shape[a.rank - 1]
    const k2 = b.shape[b.rank - 2]
    if (!dimsEqual(k1, k2)) fail(where, `inner dimensions differ: ${k1} vs ${k2}`)
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), where)
    return [{ dtype, shape: [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]] }]
  },
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  Softmax: softmaxLike,
  LogSoftmax: softmaxLike,
  Reshape: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    if (attrs.shape.some((d) => typeof d === 'number' && (d < 0 || !Number.isInteger(d)))) fail(where, `target shape ${formatShape(attrs.shape)} must use explicit non-negative dims or symbols`)
    if (!sameElementCount(inputs[0].shape, attrs.shape)) fail(where, `cannot reshape ${formatShape(inputs[0].shape)} to ${formatShape(attrs.shape)}: element counts differ`)
    return [{ dtype: inputs[0].dtype, shape: [...attrs.shape] }]
  },
  Transpose: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    const x = inputs[0]
    const sorted = [...attrs.perm].sort((p, q) => p - q)
    if (sorted.length !== x.rank || sorted.some((p, i) => p !== i)) fail(where, `perm [${attrs.perm.join(', ')}] is not a permutation of rank ${x.rank}`)
    return [{ dtype: x.dtype, shape: attrs.perm.map((p) => x.shape[p]) }]
  },
  Expand: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    const shape = broadcastShapes(inputs[0].shape, attrs.shape, where)
    if (shape.length !== attrs.shape.length || shape.some((d, i) => !dimsEqual(d, attrs.shape[i]))) fail(where, `cannot expand ${formatShape(inputs[0].shape)} to ${formatShape(attrs.shape)}`)
    return [{ dtype: inputs[0].dtype, shape }]
  },
  Concat: (inputs, attrs, where) => {
    if (inputs.length < 1) fail(where, 'needs at least one input')
    const dtype = sameDType(inputs, where)
    const rank = inputs[0].rank
    const axis = normalizeAxis(attrs.axis, rank, where)
    const parts: Dim[] = []
    for (const v of inputs) {
      if (v.rank !== rank) fail(where, 'inputs must share one rank')
      v.shape.forEach((d, i) => {
        if (i !== axis && !dimsEqual(d, inputs[0].shape[i])) fail(where, `inputs differ on axis ${i} (${d} vs ${inputs[0].shape[i]})`)
      })
      parts.push(v.shape[axis])
    }
    if (parts.some((d) => typeof d !== 'number')) fail(where, `concat axis ${axis} must be static, got ${parts.join(' + ')}`)
    const shape = [...inputs[0].shape]
    shape[axis] = (parts as number[]).reduce((a, b) => a + b, 0)
    return [{ dtype, shape }]
  },
  Slice: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    const x = inputs[0]
    const axis = normalizeAxis(attrs.axis, x.rank, where)
    const size = x.shape[axis]
    if (typeof size !== 'number') fail(where, `slice axis ${axis} must be static, got ${size}`)
    if (!(0 <= attrs.start && attrs.start < attrs.end && attrs.end <= size)) fail(where, `bounds ${attrs.start}:${attrs.end} out of range for size ${size}`)
    const shape = [...x.shape]
    shape[axis] = attrs.end - attrs.start
    return [{ dtype: x.dtype, shape }]
  },
  Pad: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    const x = inputs[0]
    const axis = normalizeAxis(attrs.axis, x.rank, where)
    const size = x.shape[axis]
    if (typeof size !== 'number') fail(where, `pad axis ${axis} must be static, got ${size}`)
    if (attrs.before < 0 || attrs.after < 0) fail(where, 'padding must be non-negative')
    const shape = [...x.shape]
    shape[axis] = size + attrs.before + attrs.after
    return [{ dtype: x.dtype, shape }]
  },
  Gather: (inputs, attrs, where) => {
    arity(inputs, 2, where)
    const [data, idx] = inputs
    requireIndices(idx, where)
    const axis = normalizeAxis(attrs.axis, data.rank, where)
    return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)] }]
  },
  GatherElements: (inputs, attrs, where) => {
    arity(inputs, 2, where)
    const [data, idx] = inputs
    requireIndices(idx, where)
    if (idx.rank !== data.rank) fail(where, 'indices must have the rank of data')
    normalizeAxis(attrs.axis, data.rank, where)
    return [{ dtype: data.dtype, shape: idx.shape }]
  },
  ScatterElementsAdd: (inputs, attrs, where) => {
    arity(inputs, 3, where)
    const [data, idx, updates] = inputs
    requireIndices(idx, where)
    if (updates.dtype !== data.dtype) fail(where, 'updates must have the dtype of data')
    if (idx.rank !== data.rank || updates.rank !== data.rank) fail(where, 'indices and updates must have the rank of data')
    if (!idx.shape.every((d, i) => dimsEqual(d, updates.shape[i]))) fail(where, 'indices and updates must share one shape')
    normalizeAxis(attrs.axis, data.rank, where)
    return [{ dtype: data.dtype, shape: data.shape }]
  },
  TopK: (inputs, attrs, where) => {
    arity(inputs, 1, where)
    const x = inputs[0]
    const axis = normalizeAxis(attrs.axis, x.rank, where)
    const size = x.shape[axis]
    if (!Number.isInteger(attrs.k) || attrs.k < 1 || (typeof size === 'number' && attrs.k > size)) fail(where, `k=${attrs.k} out of range for axis size ${size}`)
    const shape = [...x.shape]
    shape[axis] = attrs.k
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }]
  },
  Iota: (inputs, attrs, where) => {
    arity(inputs, 0, where)
    if (typeof attrs.length === 'number' && (attrs.length < 0 || !Number.isInteger(attrs.length))) fail(where, `length ${attrs.length} must be a non-negative integer`)
    return [{ dtype: 'int64', shape: [attrs.length] }]
  },
  MatMulNBits: (inputs, attrs, where) => {
    arity(inputs, 3, where)
    const [x, q, scales] = inputs
    checkQuantized(q, scales, attrs, where)
    requireFloat(x, where)
    if (scales.dtype !== x.dtype) fail(where, `scales must have the input's dtype ${x.dtype}, got ${scales.dtype}`)
    if (x.rank < 2 || !dimsEqual(x.shape[x.rank - 1], attrs.cols)) fail(where, `the input must be [..., ${attrs.cols}], got ${formatShape(x.shape)}`)
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), attrs.rows] }]
  },
  DequantizeNBits: (inputs, attrs, where) => {
    arity(inputs, 2, where)
    checkQuantized(inputs[0], inputs[1], attrs, where)
    return [{ dtype: inputs[1].dtype, shape: [attrs.rows, attrs.cols] }]
  },
  GatherNBits: (inputs, attrs, where) => {
    arity(inputs, 3, where)
    const [q, idx, scales] = inputs
    checkQuantized(q, scales, attrs, where)
    requireIndices(idx, where)
    return [{ dtype: scales.dtype, shape: [...idx.shape, attrs.cols] }]
  },
}

/** Every op name, for completeness checks of the per-op tables (interpreter, emission, gradients). */
export const OP_NAMES = Object.keys(infer) as OpName[]

export function inferOutputs<K extends OpName>(op: K, inputs: readonly Value[], attrs: OpAttrs<K>): OutputSpec[] {
  const fn = infer[op] as Infer<K> | undefined
  if (!fn) throw new GraphBuildError(`unknown op ${String(op)}`)
  const where = () => `${op}(${inputs.map((v) => v.describe()).join(', ')})`
  return fn(inputs, attrs, where)
}
