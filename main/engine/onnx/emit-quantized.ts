// Emission of the quantized ops (docs/ENGINE-NOTES.md "Checked on this machine"): onnxruntime's
// com.microsoft MatMulNBits for products, and GatherBlockQuantized for lookups and for the
// dequantized W the input gradient multiplies by (all rows gathered). Both read the weight's one
// initializer, uint8 [rows, blocks, blockBytes], with their default zero point (8 or 128): a
// second initializer over the same bytes in another shape or type would map them twice, and
// resident memory counts each mapping. GatherBlockQuantized wants scales of the data's rank,
// [rows, blocks, 1]: a Reshape of the scales the graph gives it. For the input gradient those are
// tied to dY (autodiff/rules/quantized.ts), a run-time value, so no copy is folded; for a lookup
// they are the stored scales, which ORT folds into one reshaped copy at session creation: a
// table's scales are small (4 MB for a 32k × 1024 table in blocks of 32).
import type { Node, QuantizedAttrs } from '../ir'
import { attr, type EmitContext } from './emit-context'
import { encodeValues, onnxDataType } from './tensor-data'

const MS = 'com.microsoft'

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

/** GatherBlockQuantized(q, indices, scales as [rows, blocks, 1]) -> [...indices, blocks, block], then [...indices, cols]. */
function gatherBlocks(ctx: EmitContext, r: QuantizedRequest, q: string, indices: string, scales: string, indexRank: number): void {
  const a = quantized(r.node)
  const blocks = a.cols / a.blockSize
  const scales3 = ctx.helper(`${r.name}/scales`, 'Reshape', [scales, ctx.int64s([a.rows, blocks, 1])])
  const gathered = ctx.helper(`${r.name}/blocks`, 'GatherBlockQuantized', [q, indices, scales3], [attr.int('gather_axis', 0), attr.int('quantize_axis', 2), ...sizeAttrs(a)], MS)
  // 0 keeps an index axis as it is (symbolic batch and sequence), −1 merges blocks × block into cols.
  ctx.addNode(r.name, 'Reshape', [gathered, ctx.int64s([...new Array<number>(indexRank).fill(0), -1])], r.outputs)
}

export function emitGatherNBits(ctx: EmitContext, r: QuantizedRequest): void {
  gatherBlocks(ctx, r, r.inputs[0], r.inputs[1], r.inputs[2], r.node.inputs[1].rank)
}

export function emitDequantizeNBits(ctx: EmitContext, r: QuantizedRequest): void {
  const a = quantized(r.node)
  // Every row, in order: a constant [rows] (one per weight shape, shared).
  const rows = ctx.cached(`all-rows:${a.rows}`, () => {
    const name = ctx.uniqueName(`const/rows_0_to_${a.rows}`)
    ctx.initializers.push({ name, dims: [a.rows], dataType: onnxDataType('int64'), rawData: encodeValues('int64', Array.from({ length: a.rows }, (_, i) => i)) })
    return name
  })
  gatherBlocks(ctx, r, r.inputs[0], rows, r.inputs[1], 1)
}
