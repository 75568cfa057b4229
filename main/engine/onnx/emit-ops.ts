// How each engine op becomes standard ai.onnx nodes (opset 18). The table is keyed by OpName,
// so TypeScript rejects an op without an emitter.
import { dimsEqual, type Dim, type Node, type OpName, type Shape } from '../ir'
import { attr, type EmitContext } from './emit-context'
import { emitDequantizeNBits, emitGatherNBits, emitMatMulNBits } from './emit-quantized'
import { encodeValues, onnxDataType } from './tensor-data'

export interface EmitRequest<K extends OpName> {
  node: Node<K>
  /** Readable base for node names: "layers.3.attn/MatMul_17". */
  name: string
  inputs: readonly string[]
  outputs: readonly string[]
}
type Emitter<K extends OpName> = (ctx: EmitContext, req: EmitRequest<K>) => void

/** One ONNX op with the same inputs and outputs as the engine op. */
const same = <K extends OpName>(opType: string): Emitter<K> => (ctx, r) => ctx.addNode(r.name, opType, r.inputs, r.outputs)

const reduce = <K extends 'ReduceSum' | 'ReduceMean' | 'ReduceMax'>(opType: string): Emitter<K> => (ctx, r) => {
  const rank = r.node.inputs[0].rank
  const axes = r.node.attrs.axes.map((a) => (a < 0 ? a + rank : a))
  ctx.addNode(r.name, opType, [r.inputs[0], ctx.int64s(axes)], r.outputs, [attr.int('keepdims', r.node.attrs.keepdims ? 1 : 0)])
}

/**
 * Reshape target as an ONNX shape: when at most one dim is symbolic it becomes -1 (a constant,
 * which ORT folds and GPU providers keep off the CPU); otherwise a run-time shape tensor.
 */
function reshapeTarget(ctx: EmitContext, shape: Shape): string {
  const symbolic = shape.filter((d) => typeof d !== 'number').length
  const hasZero = shape.includes(0)
  if (symbolic <= 1 && !hasZero) return ctx.int64s(shape.map((d) => (typeof d === 'number' ? d : -1)))
  return ctx.shapeTensor(shape)
}

/**
 * Expand target: ONNX Expand broadcasts, so a dim the input already has can be written as 1.
 * Only dims the input lacks need their run-time value.
 */
function expandTarget(ctx: EmitContext, input: Shape, target: Shape): string {
  const offset = target.length - input.length
  const dims: Dim[] = target.map((d, i) => (i >= offset && dimsEqual(input[i - offset], d) ? 1 : d))
  return ctx.shapeTensor(dims)
}

/**
 * log softmax(x) = (x − max x) − log Σ exp(x − max x), for GPU targets: ORT's WebGPU provider
 * has no LogSoftmax kernel, and a GPU session may not hand it to the CPU. Same numerics as the
 * fused kernel (max-shifted); only the forward is written here, the gradient rule reads its output.
 */
function emitLogSoftmaxComposed(ctx: EmitContext, r: EmitRequest<'LogSoftmax'>): void {
  const rank = r.node.inputs[0].rank
  const axes = ctx.int64s([r.node.attrs.axis < 0 ? r.node.attrs.axis + rank : r.node.attrs.axis])
  const keep = [attr.int('keepdims', 1)]
  const max = ctx.helper(`${r.name}/max`, 'ReduceMax', [r.inputs[0], axes], keep)
  const shifted = ctx.helper(`${r.name}/shifted`, 'Sub', [r.inputs[0], max])
  const sum = ctx.helper(`${r.name}/sum`, 'ReduceSum', [ctx.helper(`${r.name}/exp`, 'Exp', [shifted]), axes], keep)
  ctx.addNode(r.name, 'Sub', [shifted, ctx.helper(`${r.name}/log`, 'Log', [sum])], r.outputs)
}

export const emitters: { [K in OpName]: Emitter<K> } = {
  Add: same('Add'),
  Sub: same('Sub'),
  Mul: same('Mul'),
  Div: same('Div'),
  Pow: same('Pow'),
  Max: same('Max'),
  Min: same('Min'),
  Equal: same('Equal'),
  Less: same('Less'),
  Greater: same('Greater'),
  And: same('And'),
  Or: same('Or'),
  Not: same('Not'),
  Where: same('Where'),
  Neg: same('Neg'),
  Exp: same('Exp'),
  Log: same('Log'),
  Sqrt: same('Sqrt'),
  Reciprocal: same('Reciprocal'),
  Tanh: same('Tanh'),
  Sigmoid: same('Sigmoid'),
  Erf: same('Erf'),
  Abs: same('Abs'),
  Cast: (ctx, r) => ctx.addNode(r.name, 'Cast', r.inputs, r.outputs, [attr.int('to', onnxDataType(r.node.attrs.to))]),
  Identity: same('Identity'),
  StopGradient: same('Identity'),
  MatMul: same('MatMul'),
  ReduceSum: reduce('ReduceSum'),
  ReduceMean: reduce('ReduceMean'),
  ReduceMax: reduce('ReduceMax'),
  Softmax: (ctx, r) => ctx.addNode(r.name, 'Softmax', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis)]),
  LogSoftmax: (ctx, r) => (ctx.target === 'gpu' ? emitLogSoftmaxComposed(ctx, r) : ctx.addNode(r.name, 'LogSoftmax', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis)])),
  Reshape: (ctx, r) => {
    const shape = r.node.attrs.shape
    const attrs = shape.includes(0) ? [attr.int('allowzero', 1)] : []
    ctx.addNode(r.name, 'Reshape', [r.inputs[0], reshapeTarget(ctx, shape)], r.outputs, attrs)
  },
  Transpose: (ctx, r) => ctx.addNode(r.name, 'Transpose', r.inputs, r.outputs, [attr.ints('perm', r.node.attrs.perm)]),
  Expand: (ctx, r) => ctx.addNode(r.name, 'Expand', [r.inputs[0], expandTarget(ctx, r.node.inputs[0].shape, r.node.attrs.shape)], r.outputs),
  Concat: (ctx, r) => ctx.addNode(r.name, 'Concat', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis)]),
  Slice: (ctx, r) => {
    const { axis, start, end } = r.node.attrs
    ctx.addNode(r.name, 'Slice', [r.inputs[0], ctx.int64s([start]), ctx.int64s([end]), ctx.int64s([axis])], r.outputs)
  },
  Pad: (ctx, r) => {
    // Full-rank pads (no `axes` input): every provider implements that form.
    const rank = r.node.inputs[0].rank
    const axis = r.node.attrs.axis < 0 ? r.node.attrs.axis + rank : r.node.attrs.axis
    const pads = new Array<number>(2 * rank).fill(0)
    pads[axis] = r.node.attrs.before
    pads[rank + axis] = r.node.attrs.after
    ctx.addNode(r.name, 'Pad', [r.inputs[0], ctx.int64s(pads)], r.outputs, [attr.string('mode', 'constant')])
  },
  Gather: (ctx, r) => ctx.addNode(r.name, 'Gather', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis)]),
  GatherElements: (ctx, r) => ctx.addNode(r.name, 'GatherElements', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis)]),
  ScatterElementsAdd: (ctx, r) =>
    ctx.addNode(r.name, 'ScatterElements', r.inputs, r.outputs, [attr.int('axis', r.node.attrs.axis), attr.string('reduction', 'add')]),
  TopK: (ctx, r) =>
    ctx.addNode(r.name, 'TopK', [r.inputs[0], ctx.int64s([r.node.attrs.k])], r.outputs, [
      attr.int('axis', r.node.attrs.axis),
      attr.int('largest', 1),
      attr.int('sorted', 1),
    ]),
  Iota: (ctx, r) => {
    const length = r.node.attrs.length
    // A static length is a constant (a static GPU graph keeps no Range for ORT to fold).
    if (typeof length === 'number') {
      ctx.initializers.push({ name: r.outputs[0], dims: [length], dataType: onnxDataType('int64'), rawData: encodeValues('int64', Array.from({ length }, (_, i) => i)) })
      return
    }
    const zero = ctx.constant('int64', [0], [])
    const one = ctx.constant('int64', [1], [])
    ctx.addNode(r.name, 'Range', [zero, ctx.dimScalar(length), one], r.outputs)
  },
  MatMulNBits: emitMatMulNBits,
  DequantizeNBits: emitDequantizeNBits,
  GatherNBits: emitGatherNBits,
}
