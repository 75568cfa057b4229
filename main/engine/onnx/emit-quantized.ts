// Emission of the quantized ops (docs/ENGINE-NOTES.md "Checked on this machine"): onnxruntime's
// com.microsoft MatMulNBits and GatherBlockQuantized, and ONNX DequantizeLinear (opset 21, with
// block_size) for the weight the input gradient multiplies by. All three read the same bytes in
// different shapes or element types, so each gets its own initializer that views the weight's
// file range (weightView): onnxruntime maps those pages once. DequantizeLinear's zero point is
// a small constant (one 4- or 8-bit value per block); the other two default to it.
import { type Node, type QuantizedAttrs, type Value } from '../ir'
import { zeroPoint } from '../quant/blockwise'
import { attr, type EmitContext } from './emit-context'
import { weightView } from './emit-weights'
import { OnnxDataType, UINT4_DATA_TYPE } from './proto'

const MS = 'com.microsoft'
/** DequantizeLinear with block_size (blocked quantization) and 4-bit types. */
const BLOCKED_DEQUANTIZE_OPSET = 21

interface QuantizedRequest { node: Node; name: string; inputs: readonly string[]; outputs: readonly string[] }

function quantized(node: Node): QuantizedAttrs {
  return node.attrs as QuantizedAttrs
}

function sizeAttrs(a: QuantizedAttrs) {
  return [attr.int('bits', a.bits), attr.int('block_size', a.blockSize)]
}

export function emitMatMulNBits(ctx: EmitContext, r: QuantizedRequest): void {
  const a = quantized(r.node)
  ctx.addNode(r.name, 'MatMulNBits', r.inputs, r.outputs, [attr.int('K', a.cols), attr.int('N', a.rows), ...sizeAttrs(a)], MS)
}

export function emitGatherNBits(ctx: EmitContext, r: QuantizedRequest): void {
  const a = quantized(r.node)
  const q = r.node.inputs[0]
  // GatherBlockQuantized reads the table as uint8 [rows, cols · bits / 8].
  const table = view(ctx, q, 'gather', { dims: [a.rows, (a.cols * a.bits) / 8], dataType: OnnxDataType.uint8 })
  ctx.addNode(r.name, 'GatherBlockQuantized', [table, r.inputs[1], r.inputs[2]], r.outputs, [attr.int('gather_axis', 0), attr.int('quantize_axis', 1), ...sizeAttrs(a)], MS)
}

export function emitDequantizeNBits(ctx: EmitContext, r: QuantizedRequest): void {
  const a = quantized(r.node)
  const q = r.node.inputs[0]
  const dataType = a.bits === 4 ? UINT4_DATA_TYPE : OnnxDataType.uint8
  // The same bytes as a [rows, cols] uint4 / uint8 tensor: row-major, two 4-bit values per byte,
  // the first in the low nibble, which is MatMulNBits' block layout when cols is a multiple of the block.
  const values = view(ctx, q, 'dequantize', { dims: [a.rows, a.cols], dataType })
  const blocks = a.cols / a.blockSize
  const zero = ctx.cached(`zero-point:${a.bits}:${a.rows}x${blocks}`, () => {
    const name = ctx.uniqueName(`const/zero_point_u${a.bits}_${a.rows}x${blocks}`)
    const count = a.rows * blocks
    const fill = a.bits === 4 ? zeroPoint(4) * 0x11 : zeroPoint(8)
    ctx.initializers.push({ name, dims: [a.rows, blocks], dataType, rawData: new Uint8Array(a.bits === 4 ? Math.ceil(count / 2) : count).fill(fill) })
    return name
  })
  ctx.opset = Math.max(ctx.opset, BLOCKED_DEQUANTIZE_OPSET)
  ctx.addNode(r.name, 'DequantizeLinear', [values, r.inputs[1], zero], r.outputs, [attr.int('axis', 1), attr.int('block_size', a.blockSize)])
}

const VIEW_SUFFIX = /\/(gather|dequantize)_view(_\d+)?$/

/**
 * The weight whose bytes an initializer views, or null when it is no view: a node reading the
 * view reads that weight (runtime/prepack-choice.ts counts the readers of each weight).
 */
export function viewedWeight(initializer: string): string | null {
  return VIEW_SUFFIX.test(initializer) ? initializer.replace(VIEW_SUFFIX, '') : null
}

/** An initializer viewing weight `q`'s bytes with other dims/type, made once per weight and use. */
function view(ctx: EmitContext, q: Value, use: 'gather' | 'dequantize', as: { dims: number[]; dataType: number }): string {
  if (q.origin.kind !== 'weight') throw new Error(`emit: quantized ops read a stored weight, got ${q.describe()}`)
  return ctx.cached(`view:${use}:${q.name}`, () => {
    const name = ctx.uniqueName(`${q.name}/${use}_view`)
    ctx.initializers.push(weightView(q, { name, dims: as.dims, dataType: as.dataType }, ctx.externalLocation))
    return name
  })
}
