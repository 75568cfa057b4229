import { isFloat, type DType } from '../../ir'
import { erf } from '../erf'
import { broadcastConcrete, broadcastOffsets, sizeOf, type NdArray } from '../ndarray'
import type { Kernel, KernelContext } from './kernel'

/** Integer results truncate toward zero (integer Div); fixed-width overflow is not modelled. */
function roundForDType(dtype: DType, v: number): number {
  return isFloat(dtype) || Number.isNaN(v) ? v : Math.trunc(v)
}

/** Applies `fn` elementwise over numpy-broadcast inputs. */
export function broadcastMap(inputs: readonly NdArray[], dtype: DType, fn: (...v: number[]) => number, ctx: KernelContext): NdArray {
  if (inputs.length < 1 || inputs.length > 3) ctx.fail(`elementwise kernels take 1 to 3 inputs, got ${inputs.length}`)
  const shape = broadcastConcrete(inputs.map((x) => x.shape))
  if (!shape) ctx.fail(`input shapes ${inputs.map((x) => `[${x.shape.join(', ')}]`).join(' and ')} do not broadcast`)
  const offsets = inputs.map((x) => broadcastOffsets(x.shape, shape))
  const data = new Float64Array(sizeOf(shape))
  const [x, y, z] = inputs.map((v) => v.data)
  const [ox, oy, oz] = offsets
  // Specialised by arity: spreading an argument array per element is several times slower.
  if (inputs.length === 1) for (let i = 0; i < data.length; i++) data[i] = fn(x[ox[i]])
  else if (inputs.length === 2) for (let i = 0; i < data.length; i++) data[i] = fn(x[ox[i]], y[oy[i]])
  else for (let i = 0; i < data.length; i++) data[i] = fn(x[ox[i]], y[oy[i]], z[oz[i]])
  if (!isFloat(dtype)) data.forEach((v, i) => (data[i] = roundForDType(dtype, v)))
  return { dtype, shape, data }
}

type AttrlessKernel = (inputs: readonly NdArray[], attrs: Record<string, never>, ctx: KernelContext) => NdArray[]

const binary = (fn: (a: number, b: number) => number): AttrlessKernel => (inputs, _attrs, ctx) => [broadcastMap(inputs, ctx.outDTypes[0], fn, ctx)]

const unary = (fn: (x: number) => number): AttrlessKernel => (inputs, _attrs, ctx) => [broadcastMap(inputs, ctx.outDTypes[0], fn, ctx)]

const bool = (b: boolean): number => (b ? 1 : 0)

export const elementwiseKernels: { [K in 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max' | 'Min' | 'Equal' | 'Less' | 'Greater' | 'And' | 'Or' | 'Not' | 'Where' | 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Reciprocal' | 'Tanh' | 'Sigmoid' | 'Erf' | 'Abs' | 'Cast' | 'Identity' | 'StopGradient']: Kernel<K> } = {
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  // Integer division truncates toward zero (C semantics, as ORT's CPU kernel); roundForDType does it.
  Div: binary((a, b) => a / b),
  Pow: binary((a, b) => a ** b),
  Max: binary((a, b) => Math.max(a, b)),
  Min: binary((a, b) => Math.min(a, b)),
  Equal: binary((a, b) => bool(a === b)),
  Less: binary((a, b) => bool(a < b)),
  Greater: binary((a, b) => bool(a > b)),
  And: binary((a, b) => bool(a !== 0 && b !== 0)),
  Or: binary((a, b) => bool(a !== 0 || b !== 0)),
  Not: unary((x) => bool(x === 0)),
  Where: (inputs, _attrs, ctx) => [broadcastMap(inputs, ctx.outDTypes[0], (c, a, b) => (c !== 0 ? a : b), ctx)],
  Neg: unary((x) => -x),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((x) => 1 / x),
  Tanh: unary(Math.tanh),
  Sigmoid: unary((x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))),
  Erf: unary(erf),
  Abs: unary(Math.abs),
  // The reference keeps every float at float64: a cast between float types changes no value.
  // Float -> int truncates toward zero (ONNX); anything -> bool is "non-zero".
  Cast: (inputs, attrs, ctx) => [broadcastMap(inputs, attrs.to, (x) => (attrs.to === 'bool' ? bool(x !== 0) : x), ctx)],
  Identity: unary((x) => x),
  StopGradient: unary((x) => x),
}
