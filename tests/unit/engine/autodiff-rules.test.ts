// Every gradient rule against central finite differences in float64, broadcasting included.
import { describe, expect, it } from 'vitest'
import { F, OP_NAMES, type OpName } from '../../../main/engine/ir'
import { GRADIENT_RULES } from '../../../main/engine/autodiff'
import { gradCheck, type GradCase } from './gradcheck'
import { quantizedFixture } from '../../helpers/quantized-fixture'

const positive: [number, number] = [0.5, 2]

/** Cases per op; 'not-differentiable' must match the registry; StopGradient has its own test. */
const cases: { [K in OpName]: GradCase[] | 'not-differentiable' | 'blocks-gradient' } = {
  Add: [
    { name: '[2,3] + [3]', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } }, build: ({ a, b }) => F.add(a, b) },
    { name: 'symbolic [b,3] + [1,3]', inputs: { a: { shape: ['b', 3], concrete: [2, 3] }, b: { shape: [1, 3] } }, build: ({ a, b }) => F.add(a, b) },
    { name: 'scalar + [2,2]', inputs: { a: { shape: [] }, b: { shape: [2, 2] } }, build: ({ a, b }) => F.add(a, b) },
  ],
  Sub: [{ name: '[2,1] - [1,3]', inputs: { a: { shape: [2, 1] }, b: { shape: [1, 3] } }, build: ({ a, b }) => F.sub(a, b) }],
  Mul: [
    { name: '[2,3,4] * [3,1]', inputs: { a: { shape: [2, 3, 4] }, b: { shape: [3, 1] } }, build: ({ a, b }) => F.mul(a, b) },
    { name: 'x * x (fan-out into one node)', inputs: { x: { shape: [3] } }, build: ({ x }) => F.mul(x, x) },
  ],
  Div: [
    { name: '[2,3] / [3]', inputs: { a: { shape: [2, 3] }, b: { shape: [3], range: positive } }, build: ({ a, b }) => F.div(a, b) },
    { name: 'scalar / [2,2]', inputs: { a: { shape: [] }, b: { shape: [2, 2], range: [-2, -0.5] } }, build: ({ a, b }) => F.div(a, b) },
  ],
  Pow: [
    { name: 'both inputs, [2,3] ^ [3]', inputs: { a: { shape: [2, 3], range: positive }, b: { shape: [3] } }, build: ({ a, b }) => F.pow(a, b) },
    { name: 'constant integer exponent, negative base', inputs: { x: { shape: [2, 2], range: [-2, 2] } }, build: ({ x }) => F.pow(x, 3) },
  ],
  Max: [
    { name: '[2,3] vs [3]', inputs: { a: { shape: [2, 3] }, b: { shape: [3] } }, build: ({ a, b }) => F.maximum(a, b) },
    { name: 'relu as max(x, 0)', inputs: { x: { shape: [6] } }, build: ({ x }) => F.maximum(x, 0) },
  ],
  Min: [{ name: '[3,1] vs [1,2]', inputs: { a: { shape: [3, 1] }, b: { shape: [1, 2] } }, build: ({ a, b }) => F.minimum(a, b) }],
  Where: [
    {
      name: 'cond [2,1], a [2,3], b [3]',
      inputs: { c: { shape: [2, 1], dtype: 'bool', data: [1, 0] }, a: { shape: [2, 3] }, b: { shape: [3] } },
      build: ({ c, a, b }) => F.where(c, a, b),
    },
    { name: 'mask from a comparison of the input itself', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.where(F.greater(x, 0.2), F.mul(x, x), F.neg(x)) },
  ],
  Neg: [{ name: '[2,3]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.neg(x) }],
  Exp: [{ name: '[2,3]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.exp(x) }],
  Log: [{ name: '[2,3]', inputs: { x: { shape: [2, 3], range: positive } }, build: ({ x }) => F.log(x) }],
  Sqrt: [{ name: '[2,3]', inputs: { x: { shape: [2, 3], range: positive } }, build: ({ x }) => F.sqrt(x) }],
  Reciprocal: [{ name: '[2,3]', inputs: { x: { shape: [2, 3], range: positive } }, build: ({ x }) => F.reciprocal(x) }],
  Tanh: [{ name: '[2,3]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.tanh(x) }],
  Sigmoid: [{ name: '[2,3]', inputs: { x: { shape: [2, 3], range: [-4, 4] } }, build: ({ x }) => F.sigmoid(x) }],
  Erf: [{ name: '[8] across both evaluation branches', inputs: { x: { shape: [8], range: [-3.5, 3.5] } }, build: ({ x }) => F.erf(x) }],
  Abs: [{ name: '[2,3]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.abs(x) }],
  Cast: [
    { name: 'float64 -> float32', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.cast(x, 'float32') },
    { name: 'float64 -> float32 -> float64 with math between', inputs: { x: { shape: [3] } }, build: ({ x }) => F.cast(F.exp(F.cast(x, 'float32')), 'float64') },
  ],
  Identity: [{ name: '[2,3]', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.identity(x) }],
  StopGradient: 'blocks-gradient',
  MatMul: [
    { name: '[2,3] x [3,4]', inputs: { a: { shape: [2, 3] }, b: { shape: [3, 4] } }, build: ({ a, b }) => F.matmul(a, b) },
    { name: 'batch broadcast [2,1,3,4] x [3,4,2]', inputs: { a: { shape: [2, 1, 3, 4] }, b: { shape: [3, 4, 2] } }, build: ({ a, b }) => F.matmul(a, b) },
    { name: 'symbolic batch [b,3,4] x shared [4,2]', inputs: { a: { shape: ['b', 3, 4], concrete: [2, 3, 4] }, b: { shape: [4, 2] } }, build: ({ a, b }) => F.matmul(a, b) },
  ],
  ReduceSum: [
    { name: 'axis 1 of [b,3,4]', inputs: { x: { shape: ['b', 3, 4], concrete: [2, 3, 4] } }, build: ({ x }) => F.sum(x, [1]) },
    { name: 'axes [0,-1] keepdims', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => F.sum(x, [0, -1], true) },
  ],
  ReduceMean: [
    { name: 'symbolic axis of [b,s,3]', inputs: { x: { shape: ['b', 's', 3], concrete: [2, 3, 3] } }, build: ({ x }) => F.mean(x, [1]) },
    { name: 'axes [0,1] keepdims, symbolic and static', inputs: { x: { shape: ['b', 4, 2], concrete: [3, 4, 2] } }, build: ({ x }) => F.mean(x, [0, 1], true) },
  ],
  ReduceMax: [
    { name: 'axis 1', inputs: { x: { shape: [3, 4] } }, build: ({ x }) => F.max(x, [1]) },
    { name: 'axis 0 keepdims', inputs: { x: { shape: [3, 2, 2] } }, build: ({ x }) => F.max(x, [0], true) },
  ],
  Softmax: [
    { name: 'last axis', inputs: { x: { shape: [2, 5] } }, build: ({ x }) => F.softmax(x, -1) },
    { name: 'middle axis of rank 3', inputs: { x: { shape: [2, 3, 2] } }, build: ({ x }) => F.softmax(x, 1) },
  ],
  LogSoftmax: [
    { name: 'last axis', inputs: { x: { shape: [2, 5] } }, build: ({ x }) => F.logSoftmax(x, -1) },
    { name: 'axis 0', inputs: { x: { shape: [3, 2] } }, build: ({ x }) => F.logSoftmax(x, 0) },
    // The gradient arriving as a scatter into zeros (a gather of its output) takes the fused form.
    {
      name: 'picked by GatherElements, repeated picks, axis 1',
      inputs: { x: { shape: [3, 4] }, ids: { shape: [3, 2], dtype: 'int64', data: [1, 1, 0, 3, 2, 2] } },
      build: ({ x, ids }) => F.gatherElements(F.logSoftmax(x, -1), ids, 1),
    },
    {
      name: 'picked by GatherElements along axis 0 with int32 indices',
      inputs: { x: { shape: [3, 2] }, ids: { shape: [1, 2], dtype: 'int32', data: [2, 0] } },
      build: ({ x, ids }) => F.gatherElements(F.logSoftmax(x, 0), ids, 0),
    },
  ],
  Reshape: [{ name: '[b,6] -> [b,2,3]', inputs: { x: { shape: ['b', 6], concrete: [2, 6] } }, build: ({ x }) => F.reshape(x, ['b', 2, 3]) }],
  Transpose: [{ name: '[2,3,4] perm [2,0,1]', inputs: { x: { shape: [2, 3, 4] } }, build: ({ x }) => F.transpose(x, [2, 0, 1]) }],
  Expand: [
    {
      name: '[3,1] -> [b,3,4]',
      inputs: { x: { shape: [3, 1] }, anchor: { shape: ['b'], concrete: [2], data: [0, 0] } },
      build: ({ x }) => F.expand(x, ['b', 3, 4]),
    },
  ],
  Concat: [{ name: 'three inputs on axis 1', inputs: { a: { shape: [2, 1] }, b: { shape: [2, 3] }, c: { shape: [2, 2] } }, build: ({ a, b, c }) => F.concat([a, b, c], 1) }],
  Slice: [
    { name: 'axis 1 [1:4]', inputs: { x: { shape: [2, 5] } }, build: ({ x }) => F.slice(x, 1, 1, 4) },
    { name: 'axis 0 [0:1] of symbolic rows', inputs: { x: { shape: [3, 's'], concrete: [3, 2] } }, build: ({ x }) => F.slice(x, 0, 0, 1) },
  ],
  Pad: [{ name: 'axis -1 before 1 after 2', inputs: { x: { shape: [2, 3] } }, build: ({ x }) => F.pad(x, -1, 1, 2) }],
  Gather: [
    {
      name: 'embedding rows [5,3] by indices [2,3] with repeats and a negative index',
      inputs: { table: { shape: [5, 3] }, ids: { shape: [2, 3], dtype: 'int64', data: [0, 4, 4, 2, -1, 1] } },
      build: ({ table, ids }) => F.gather(table, ids, 0),
    },
    {
      name: 'axis 1 of [2,4,3] by [3]',
      inputs: { x: { shape: [2, 4, 3] }, ids: { shape: [3], dtype: 'int64', data: [3, 0, 3] } },
      build: ({ x, ids }) => F.gather(x, ids, 1),
    },
    {
      name: 'scalar index',
      inputs: { x: { shape: [4, 2] }, ids: { shape: [], dtype: 'int64', data: [2] } },
      build: ({ x, ids }) => F.gather(x, ids, 0),
    },
  ],
  GatherElements: [
    {
      name: 'axis 1 with repeats',
      inputs: { x: { shape: [3, 4] }, ids: { shape: [3, 2], dtype: 'int64', data: [1, 1, 0, 3, 2, 2] } },
      build: ({ x, ids }) => F.gatherElements(x, ids, 1),
    },
    {
      name: 'axis 0, indices smaller than data',
      inputs: { x: { shape: [3, 2] }, ids: { shape: [2, 2], dtype: 'int64', data: [2, 0, 2, 1] } },
      build: ({ x, ids }) => F.gatherElements(x, ids, 0),
    },
  ],
  ScatterElementsAdd: [
    {
      name: 'data and updates, repeated indices',
      inputs: { data: { shape: [3, 2] }, ids: { shape: [2, 2], dtype: 'int64', data: [1, 0, 1, 2] }, updates: { shape: [2, 2] } },
      build: ({ data, ids, updates }) => F.scatterElementsAdd(data, ids, updates, 0),
    },
  ],
  TopK: [
    { name: 'k=3 of [2,5] along axis 1', inputs: { x: { shape: [2, 5] } }, build: ({ x }) => F.topk(x, 3, 1).values },
    { name: 'k=1 along axis 0', inputs: { x: { shape: [3, 2] } }, build: ({ x }) => F.topk(x, 1, 0).values },
  ],
  Equal: 'not-differentiable',
  Less: 'not-differentiable',
  Greater: 'not-differentiable',
  And: 'not-differentiable',
  Or: 'not-differentiable',
  Not: 'not-differentiable',
  Iota: 'not-differentiable',
  // The input gradient through a quantized W: dX = dY·dequantize(W), the exact gradient of the quantized product.
  MatMulNBits: [4, 8].map((bits) => {
    const w = quantizedFixture(bits as 4 | 8, 3, 32)
    return {
      name: `${bits}-bit x [2,2,32]·Wᵀ with W [3,32] in blocks of 16`,
      inputs: { x: { shape: [2, 2, 32] }, q: { shape: w.qShape, dtype: 'uint8', data: w.q }, scales: { shape: w.scalesShape, data: w.scales } },
      build: ({ x, q, scales }) => F.matmulNBits(x, q, scales, w.attrs),
    }
  }),
  DequantizeNBits: 'not-differentiable',
  GatherNBits: 'not-differentiable',
}

describe('gradient rules: completeness', () => {
  it('every op has a registry entry and a finite-difference case (or is declared non-differentiable in both)', () => {
    const problems: string[] = []
    for (const op of OP_NAMES) {
      const rule = GRADIENT_RULES[op]
      const c = cases[op]
      if (rule === undefined) problems.push(`${op}: no registry entry`)
      else if (rule === 'not-differentiable' && c !== 'not-differentiable') problems.push(`${op}: registry says not differentiable, tests disagree`)
      else if (rule !== 'not-differentiable' && c === 'not-differentiable') problems.push(`${op}: has a rule but no finite-difference case`)
      else if (Array.isArray(c) && c.length === 0) problems.push(`${op}: no finite-difference case`)
      else if (c === undefined) problems.push(`${op}: no test entry`)
    }
    expect(problems).toEqual([])
  })
})

describe('gradient rules: central finite differences (float64, h = 1e-6)', () => {
  for (const op of OP_NAMES) {
    const c = cases[op]
    if (!Array.isArray(c)) continue
    for (const gc of c) {
      it(`${op}: ${gc.name}`, () => {
        const result = gradCheck(gc)
        expect(result.maxGradient).toBeGreaterThan(1e-3)
        expect(result.maxError).toBeLessThan(1e-6)
      })
    }
  }
})
