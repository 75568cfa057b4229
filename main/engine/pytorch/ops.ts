// One line of PyTorch for each op of the engine's closed set (main/engine/ir/ops.ts), in the
// semantics the float64 reference interpreter gives it. The table is keyed by OpName, so a new
// op does not compile until it has its torch line. Helpers (_gather, _pad ...) live in
// main/export/torchrun/python/model_prelude.py. Everything is PyTorch 1.13-compatible.
import type { DType, Node, OpAttrs, OpName, Shape } from '../ir'

/** What a line producer gets: the node's input expressions and how to write dims and dtypes. */
export interface TorchLineContext {
  inputs: string[]
  /** A dim as a Python expression (a number, or a product of bound symbols). */
  dim(d: Shape[number]): string
  dtype(d: DType): string
  node: Node
  /** Rank of input i. */
  rank(i: number): number
  /** The torch expression of a Cast to the graph's frozen-product dtype (self.frozen_dtype). */
  frozenCast: DType
}

type Producer<K extends OpName> = (attrs: OpAttrs<K>, c: TorchLineContext) => string

const axis = (a: number, rank: number): number => (a < 0 ? a + rank : a)
const tuple = (items: readonly string[]): string => (items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`)
const shapeOf = (shape: Shape, c: TorchLineContext): string => tuple(shape.map((d) => c.dim(d)))
const isInteger = (c: TorchLineContext): boolean => !['float32', 'float16', 'bfloat16', 'float64'].includes(c.node.inputs[0].dtype)

function unsupported(op: string): never {
  throw new Error(`${op}: the cluster job trains on the float base; a quantized base (model.quantize) has no torch emission`)
}

export const TORCH_LINES: { [K in OpName]: Producer<K> } = {
  Add: (_a, c) => `${c.inputs[0]} + ${c.inputs[1]}`,
  Sub: (_a, c) => `${c.inputs[0]} - ${c.inputs[1]}`,
  Mul: (_a, c) => `${c.inputs[0]} * ${c.inputs[1]}`,
  Div: (_a, c) => (isInteger(c) ? `_int_div(${c.inputs[0]}, ${c.inputs[1]})` : `${c.inputs[0]} / ${c.inputs[1]}`),
  Pow: (_a, c) => `torch.pow(${c.inputs[0]}, ${c.inputs[1]})`,
  Max: (_a, c) => `torch.maximum(${c.inputs[0]}, ${c.inputs[1]})`,
  Min: (_a, c) => `torch.minimum(${c.inputs[0]}, ${c.inputs[1]})`,
  Equal: (_a, c) => `torch.eq(${c.inputs[0]}, ${c.inputs[1]})`,
  Less: (_a, c) => `torch.lt(${c.inputs[0]}, ${c.inputs[1]})`,
  Greater: (_a, c) => `torch.gt(${c.inputs[0]}, ${c.inputs[1]})`,
  And: (_a, c) => `torch.logical_and(${c.inputs[0]}, ${c.inputs[1]})`,
  Or: (_a, c) => `torch.logical_or(${c.inputs[0]}, ${c.inputs[1]})`,
  Not: (_a, c) => `torch.logical_not(${c.inputs[0]})`,
  Where: (_a, c) => `torch.where(${c.inputs[0]}, ${c.inputs[1]}, ${c.inputs[2]})`,
  Neg: (_a, c) => `torch.neg(${c.inputs[0]})`,
  Exp: (_a, c) => `torch.exp(${c.inputs[0]})`,
  Log: (_a, c) => `torch.log(${c.inputs[0]})`,
  Sqrt: (_a, c) => `torch.sqrt(${c.inputs[0]})`,
  Reciprocal: (_a, c) => `torch.reciprocal(${c.inputs[0]})`,
  Tanh: (_a, c) => `torch.tanh(${c.inputs[0]})`,
  Sigmoid: (_a, c) => `torch.sigmoid(${c.inputs[0]})`,
  Erf: (_a, c) => `torch.erf(${c.inputs[0]})`,
  Abs: (_a, c) => `torch.abs(${c.inputs[0]})`,
  // A cast to the graph's frozen-product dtype is the one place the precision is chosen at run time.
  Cast: (a, c) => (a.to === c.frozenCast ? `${c.inputs[0]}.to(self.frozen_dtype)` : `${c.inputs[0]}.to(${c.dtype(a.to)})`),
  Identity: (_a, c) => c.inputs[0],
  StopGradient: (_a, c) => `${c.inputs[0]}.detach()`,
  MatMul: (_a, c) => `torch.matmul(${c.inputs[0]}, ${c.inputs[1]})`,
  ReduceSum: (a, c) => `torch.sum(${c.inputs[0]}, dim=${tuple(a.axes.map((x) => String(axis(x, c.rank(0)))))}, keepdim=${a.keepdims ? 'True' : 'False'})`,
  ReduceMean: (a, c) => `torch.mean(${c.inputs[0]}, dim=${tuple(a.axes.map((x) => String(axis(x, c.rank(0)))))}, keepdim=${a.keepdims ? 'True' : 'False'})`,
  ReduceMax: (a, c) => `torch.amax(${c.inputs[0]}, dim=${tuple(a.axes.map((x) => String(axis(x, c.rank(0)))))}, keepdim=${a.keepdims ? 'True' : 'False'})`,
  Softmax: (a, c) => `torch.softmax(${c.inputs[0]}, dim=${axis(a.axis, c.rank(0))})`,
  LogSoftmax: (a, c) => `torch.log_softmax(${c.inputs[0]}, dim=${axis(a.axis, c.rank(0))})`,
  Reshape: (a, c) => `${c.inputs[0]}.reshape(${shapeOf(a.shape, c)})`,
  Transpose: (a, c) => `${c.inputs[0]}.permute(${tuple(a.perm.map(String))})`,
  // numpy broadcasting (the IR's rule), which torch's expand alone does not do for a target dim of 1.
  Expand: (a, c) => `${c.inputs[0]}.expand(torch.broadcast_shapes(${c.inputs[0]}.shape, ${shapeOf(a.shape, c)}))`,
  Concat: (a, c) => `torch.cat([${c.inputs.join(', ')}], dim=${axis(a.axis, c.rank(0))})`,
  Slice: (a, c) => `_slice(${c.inputs[0]}, ${axis(a.axis, c.rank(0))}, ${a.start}, ${a.end})`,
  Pad: (a, c) => `_pad(${c.inputs[0]}, ${axis(a.axis, c.rank(0))}, ${a.before}, ${a.after})`,
  Gather: (a, c) => `_gather(${c.inputs[0]}, ${c.inputs[1]}, ${axis(a.axis, c.rank(0))})`,
  GatherElements: (a, c) => {
    const ax = axis(a.axis, c.rank(0))
    return `torch.gather(${c.inputs[0]}, ${ax}, _elements_index(${c.inputs[1]}, ${c.inputs[0]}.shape[${ax}]))`
  },
  ScatterElementsAdd: (a, c) => {
    const ax = axis(a.axis, c.rank(0))
    return `${c.inputs[0]}.scatter_add(${ax}, _elements_index(${c.inputs[1]}, ${c.inputs[0]}.shape[${ax}]), ${c.inputs[2]})`
  },
  // Two outputs: the caller unpacks them.
  TopK: (a, c) => `torch.topk(${c.inputs[0]}, ${a.k}, dim=${axis(a.axis, c.rank(0))}, largest=True, sorted=True)`,
  Iota: (a, c) => `torch.arange(${c.dim(a.length)}, dtype=torch.int64, device=self.device)`,
  MatMulNBits: () => unsupported('MatMulNBits'),
  DequantizeNBits: () => unsupported('DequantizeNBits'),
  GatherNBits: () => unsupported('GatherNBits'),
}

/** The torch dtype of an engine dtype. */
export function torchDType(d: DType): string {
  return `torch.${d}`
}
