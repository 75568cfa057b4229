// Thin, typed wrappers over Graph.op so that model and gradient code reads like math.
// Numbers passed where a tensor is expected become scalar constants of the other operand's dtype.
import type { DType } from './dtype'
import type { Value } from './graph'
import type { QuantizedAttrs } from './ops'
import type { Dim, Shape } from './shape'

type Operand = Value | number

function pair(a: Operand, b: Operand): [Value, Value] {
  if (typeof a === 'number' && typeof b === 'number') throw new Error('at least one operand must be a tensor')
  const g = (typeof a === 'number' ? (b as Value) : a).graph
  const va = typeof a === 'number' ? g.scalar(a, (b as Value).dtype) : a
  const vb = typeof b === 'number' ? g.scalar(b, va.dtype) : b
  return [va, vb]
}

export const add = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Add', pair(a, b), {})
export const sub = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Sub', pair(a, b), {})
export const mul = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Mul', pair(a, b), {})
export const div = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Div', pair(a, b), {})
export const pow = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Pow', pair(a, b), {})
export const maximum = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Max', pair(a, b), {})
export const minimum = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Min', pair(a, b), {})
export const equal = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Equal', pair(a, b), {})
export const less = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Less', pair(a, b), {})
export const greater = (a: Operand, b: Operand): Value => pair(a, b)[0].graph.op('Greater', pair(a, b), {})
export const and = (a: Value, b: Value): Value => a.graph.op('And', [a, b], {})
export const or = (a: Value, b: Value): Value => a.graph.op('Or', [a, b], {})
export const not = (a: Value): Value => a.graph.op('Not', [a], {})

export function where(cond: Value, a: Operand, b: Operand): Value {
  const [va, vb] = pair(a, b)
  return cond.graph.op('Where', [cond, va, vb], {})
}

export const neg = (x: Value): Value => x.graph.op('Neg', [x], {})
export const exp = (x: Value): Value => x.graph.op('Exp', [x], {})
export const log = (x: Value): Value => x.graph.op('Log', [x], {})
export const sqrt = (x: Value): Value => x.graph.op('Sqrt', [x], {})
export const reciprocal = (x: Value): Value => x.graph.op('Reciprocal', [x], {})
export const tanh = (x: Value): Value => x.graph.op('Tanh', [x], {})
export const sigmoid = (x: Value): Value => x.graph.op('Sigmoid', [x], {})
export const erf = (x: Value): Value => x.graph.op('Erf', [x], {})
export const abs = (x: Value): Value => x.graph.op('Abs', [x], {})
export const identity = (x: Value): Value => x.graph.op('Identity', [x], {})
export const stopGradient = (x: Value): Value => x.graph.op('StopGradient', [x], {})
export const cast = (x: Value, to: DType): Value => (x.dtype === to ? x : x.graph.op('Cast', [x], { to }))

export const matmul = (a: Value, b: Value): Value => a.graph.op('MatMul', [a, b], {})

export const sum = (x: Value, axes: readonly number[], keepdims = false): Value => x.graph.op('ReduceSum', [x], { axes, keepdims })
export const mean = (x: Value, axes: readonly number[], keepdims = false): Value => x.graph.op('ReduceMean', [x], { axes, keepdims })
export const max = (x: Value, axes: readonly number[], keepdims = false): Value => x.graph.op('ReduceMax', [x], { axes, keepdims })

export const softmax = (x: Value, axis = -1): Value => x.graph.op('Softmax', [x], { axis })
export const logSoftmax = (x: Value, axis = -1): Value => x.graph.op('LogSoftmax', [x], { axis })

export const reshape = (x: Value, shape: Shape): Value => x.graph.op('Reshape', [x], { shape })
export const transpose = (x: Value, perm: readonly number[]): Value => x.graph.op('Transpose', [x], { perm })
export const expand = (x: Value, shape: Shape): Value => x.graph.op('Expand', [x], { shape })
export const concat = (xs: readonly Value[], axis: number): Value => xs[0].graph.op('Concat', xs, { axis })
export const slice = (x: Value, axis: number, start: number, end: number): Value => x.graph.op('Slice', [x], { axis, start, end })
export const pad = (x: Value, axis: number, before: number, after: number): Value => x.graph.op('Pad', [x], { axis, before, after })
export const gather = (data: Value, indices: Value, axis = 0): Value => data.graph.op('Gather', [data, indices], { axis })
export const gatherElements = (data: Value, indices: Value, axis: number): Value => data.graph.op('GatherElements', [data, indices], { axis })
export const scatterElementsAdd = (data: Value, indices: Value, updates: Value, axis: number): Value =>
  data.graph.op('ScatterElementsAdd', [data, indices, updates], { axis })
export function topk(x: Value, k: number, axis = -1): { values: Value; indices: Value } {
  const [values, indices] = x.graph.apply('TopK', [x], { k, axis })
  return { values, indices }
}
export const iota = (x: Value, length: Dim): Value => x.graph.op('Iota', [], { length })

/** x·Wᵀ for a blockwise-quantized W (see QuantizedAttrs). */
export const matmulNBits = (x: Value, q: Value, scales: Value, attrs: QuantizedAttrs): Value => x.graph.op('MatMulNBits', [x, q, scales], attrs)
/** W [rows, cols] of a blockwise-quantized weight, in the scales' dtype. */
export const dequantizeNBits = (q: Value, scales: Value, attrs: QuantizedAttrs): Value => q.graph.op('DequantizeNBits', [q, scales], attrs)
/** Rows of a blockwise-quantized table at `indices`: [...indices, cols]. */
export const gatherNBits = (q: Value, indices: Value, scales: Value, attrs: QuantizedAttrs): Value => q.graph.op('GatherNBits', [q, indices, scales], attrs)

/** Inserts a size-1 axis (as a Reshape, so gradients need no extra rule). */
export function unsqueeze(x: Value, axis: number): Value {
  const a = axis < 0 ? axis + x.rank + 1 : axis
  const shape = [...x.shape]
  shape.splice(a, 0, 1)
  return reshape(x, shape)
}

/** Removes a size-1 axis. */
export function squeeze(x: Value, axis: number): Value {
  const a = axis < 0 ? axis + x.rank : axis
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of ${x.describe()} is not 1`)
  return reshape(x, x.shape.filter((_, i) => i !== a))
}
