// Every op's ONNX emission, run by onnxruntime (float32) against the float64 reference interpreter.
import { describe, expect, it } from 'vitest'
import { F, Graph, OP_NAMES, type OpName, type Value } from '../../../main/engine/ir'
import type { EmitTarget } from '../../../main/engine/onnx'
import { emitters } from '../../../main/engine/onnx/emit-ops'
import type { HostTensor } from '../../../main/runtime'
import { compareWithReference, f32, i64, rng, uniform } from '../../helpers/ort-vs-reference'
import { quantizedFixture, type QuantizedFixture } from '../../helpers/quantized-fixture'

interface OpCase {
  name: string
  build: (g: Graph) => Value[]
  feeds: Record<string, HostTensor>
}

const random = rng(7)
const X = f32([2, 3, 4], uniform(random, 24))
const Y = f32([3, 1], uniform(random, 3))
const POS = f32([2, 3], uniform(random, 6, 0.2, 2))
const x = (g: Graph) => g.input('x', 'float32', [2, 3, 4])
const y = (g: Graph) => g.input('y', 'float32', [3, 1])
const pos = (g: Graph) => g.input('p', 'float32', [2, 3])

const binary = (op: 'Add' | 'Sub' | 'Mul' | 'Max' | 'Min'): OpCase[] => [
  { name: `${op} [2,3,4] with [3,1]`, build: (g) => [g.op(op, [x(g), y(g)], {})], feeds: { x: X, y: Y } },
]
const compare = (op: 'Equal' | 'Less' | 'Greater'): OpCase[] => [
  {
    name: `${op} float`,
    build: (g) => [F.cast(g.op(op, [F.mul(x(g), 4), g.constant([0, 1, -1, 2], 'float32', [4])], {}), 'float32')],
    feeds: { x: f32([2, 3, 4], Array.from(X.data as Float32Array, (v) => Math.round(v * 4) / 4)) },
  },
  { name: `${op} int64`, build: (g) => [F.cast(g.op(op, [g.input('i', 'int64', [4]), g.constant([1, 2, 3, 4], 'int64', [4])], {}), 'float32')], feeds: { i: i64([4], [1, 3, 2, 4]) } },
]
const unary = (op: 'Neg' | 'Exp' | 'Log' | 'Sqrt' | 'Reciprocal' | 'Tanh' | 'Sigmoid' | 'Erf' | 'Abs' | 'Identity' | 'StopGradient', positive = false): OpCase[] => [
  positive
    ? { name: `${op} of positive values`, build: (g) => [g.op(op, [pos(g)], {})], feeds: { p: POS } }
    : { name: `${op} [2,3,4]`, build: (g) => [g.op(op, [F.mul(x(g), 2)], {})], feeds: { x: X } },
]
const bools = (g: Graph) => {
  const v = x(g)
  return { a: F.greater(v, 0), b: F.less(v, 0.3) }
}

const A32 = f32([2, 3, 32], uniform(random, 192))
/** The quantized bytes as a stored weight (the quantized emitters view a weight's bytes). */
const quantizedWeight = (g: Graph, w: QuantizedFixture) => g.weight('q', 'uint8', w.qShape, { kind: 'inline', data: w.q })

const cases: { [K in OpName]: OpCase[] } = {
  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: [{ name: 'Div by positive', build: (g) => [F.div(x(g), g.input('p', 'float32', [3, 1]))], feeds: { x: X, p: f32([3, 1], [0.5, 1.5, 3]) } }],
  Pow: [{ name: 'Pow positive base', build: (g) => [F.pow(pos(g), g.constant([0.5, 2, -1.5], 'float32', [3]))], feeds: { p: POS } }],
  Max: binary('Max'),
  Min: binary('Min'),
  Equal: compare('Equal'),
  Less: compare('Less'),
  Greater: compare('Greater'),
  And: [{ name: 'And', build: (g) => { const { a, b } = bools(g); return [F.cast(F.and(a, b), 'float32')] }, feeds: { x: X } }],
  Or: [{ name: 'Or', build: (g) => { const { a, b } = bools(g); return [F.cast(F.or(a, b), 'float32')] }, feeds: { x: X } }],
  Not: [{ name: 'Not', build: (g) => [F.cast(F.not(bools(g).a), 'float32')], feeds: { x: X } }],
  Where: [{ name: 'Where broadcast', build: (g) => { const v = x(g); return [F.where(F.greater(v, 0), v, y(g))] }, feeds: { x: X, y: Y } }],
  Neg: unary('Neg'),
  Exp: unary('Exp'),
  Log: unary('Log', true),
  Sqrt: unary('Sqrt', true),
  Reciprocal: unary('Reciprocal', true),
  Tanh: unary('Tanh'),
  Sigmoid: unary('Sigmoid'),
  Erf: unary('Erf'),
  Abs: unary('Abs'),
  Cast: [
    { name: 'float32 -> float64', build: (g) => [F.cast(x(g), 'float64')], feeds: { x: X } },
    { name: 'int64 -> float32', build: (g) => [F.cast(g.input('i', 'int64', [3]), 'float32')], feeds: { i: i64([3], [-2, 0, 5]) } },
    { name: 'float32 -> float16 -> float32', build: (g) => [F.cast(F.cast(x(g), 'float16'), 'float32')], feeds: { x: f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => i / 8)) } },
  ],
  Identity: unary('Identity'),
  StopGradient: unary('StopGradient'),
  MatMul: [
    { name: '[2,3,4]·[4,5]', build: (g) => [F.matmul(x(g), g.input('w', 'float32', [4, 5]))], feeds: { x: X, w: f32([4, 5], uniform(random, 20)) } },
    {
      name: 'batched broadcast [2,1,3,4]·[3,4,2]',
      build: (g) => [F.matmul(g.input('a', 'float32', [2, 1, 3, 4]), g.input('b', 'float32', [3, 4, 2]))],
      feeds: { a: f32([2, 1, 3, 4], uniform(random, 24)), b: f32([3, 4, 2], uniform(random, 24)) },
    },
  ],
  ReduceSum: [
    { name: 'axis 1 keepdims', build: (g) => [F.sum(x(g), [1], true)], feeds: { x: X } },
    { name: 'axes [0, 2]', build: (g) => [F.sum(x(g), [0, -1])], feeds: { x: X } },
  ],
  ReduceMean: [{ name: 'axis -1', build: (g) => [F.mean(x(g), [-1])], feeds: { x: X } }],
  ReduceMax: [{ name: 'axes [0, 1] keepdims', build: (g) => [F.max(x(g), [0, 1], true)], feeds: { x: X } }],
  Softmax: [{ name: 'axis -1', build: (g) => [F.softmax(F.mul(x(g), 5), -1)], feeds: { x: X } }, { name: 'axis 1', build: (g) => [F.softmax(x(g), 1)], feeds: { x: X } }],
  LogSoftmax: [{ name: 'axis -1', build: (g) => [F.logSoftmax(F.mul(x(g), 5), -1)], feeds: { x: X } }],
  Reshape: [{ name: '[2,3,4] -> [6,2,2]', build: (g) => [F.reshape(x(g), [6, 2, 2])], feeds: { x: X } }],
  Transpose: [{ name: 'perm [2,0,1]', build: (g) => [F.transpose(x(g), [2, 0, 1])], feeds: { x: X } }],
  Expand: [{ name: '[3,1] -> [2,3,4]', build: (g) => [F.expand(y(g), [2, 3, 4])], feeds: { y: Y } }],
  Concat: [{ name: 'axis 1', build: (g) => { const v = x(g); return [F.concat([v, F.neg(v), v], 1)] }, feeds: { x: X } }],
  Slice: [{ name: 'axis -1 [1:3]', build: (g) => [F.slice(x(g), -1, 1, 3)], feeds: { x: X } }],
  Pad: [{ name: 'axis 1 before 1 after 2', build: (g) => [F.pad(x(g), 1, 1, 2)], feeds: { x: X } }],
  Gather: [
    { name: 'axis 0 with [2,2] indices', build: (g) => [F.gather(g.input('t', 'float32', [5, 3]), g.input('i', 'int64', [2, 2]), 0)], feeds: { t: f32([5, 3], uniform(random, 15)), i: i64([2, 2], [4, 0, 2, 4]) } },
    { name: 'axis 1', build: (g) => [F.gather(x(g), g.input('i', 'int64', [2]), 1)], feeds: { x: X, i: i64([2], [2, 0]) } },
  ],
  GatherElements: [{ name: 'axis -1', build: (g) => [F.gatherElements(x(g), g.input('i', 'int64', [2, 3, 2]), -1)], feeds: { x: X, i: i64([2, 3, 2], [0, 3, 1, 1, 2, 0, 3, 3, 0, 1, 2, 2]) } }],
  ScatterElementsAdd: [
    {
      name: 'axis -1 with repeated indices',
      build: (g) => [F.scatterElementsAdd(x(g), g.input('i', 'int64', [2, 3, 2]), g.input('u', 'float32', [2, 3, 2]), -1)],
      feeds: { x: X, i: i64([2, 3, 2], [0, 0, 1, 3, 2, 2, 3, 3, 0, 1, 2, 0]), u: f32([2, 3, 2], uniform(random, 12)) },
    },
  ],
  TopK: [{ name: 'k=2 axis -1', build: (g) => { const { values, indices } = F.topk(x(g), 2, -1); return [values, F.cast(indices, 'float32')] }, feeds: { x: X } }],
  MatMulNBits: ([4, 8] as const).map((bits) => ({
    name: `${bits}-bit [2,3,32]·Wᵀ, W [5,32] in blocks of 16`,
    build: (g: Graph) => {
      const w = quantizedFixture(bits, 5, 32)
      return [F.matmulNBits(g.input('a', 'float32', [2, 3, 32]), quantizedWeight(g, w), g.input('s', 'float32', w.scalesShape), w.attrs)]
    },
    feeds: { a: A32, s: f32(quantizedFixture(bits, 5, 32).scalesShape, quantizedFixture(bits, 5, 32).scales) },
  })),
  DequantizeNBits: ([4, 8] as const).map((bits) => ({
    name: `${bits}-bit W [5,32] (DequantizeLinear with block_size over a view of the same bytes)`,
    build: (g: Graph) => {
      const w = quantizedFixture(bits, 5, 32)
      return [F.dequantizeNBits(quantizedWeight(g, w), g.input('s', 'float32', w.scalesShape), w.attrs)]
    },
    feeds: { s: f32(quantizedFixture(bits, 5, 32).scalesShape, quantizedFixture(bits, 5, 32).scales) },
  })),
  GatherNBits: ([4, 8] as const).map((bits) => ({
    name: `${bits}-bit rows [2,2] of W [5,32] (GatherBlockQuantized)`,
    build: (g: Graph) => {
      const w = quantizedFixture(bits, 5, 32)
      return [F.gatherNBits(quantizedWeight(g, w), g.input('i', 'int64', [2, 2]), g.input('s', 'float32', w.scalesShape), w.attrs)]
    },
    feeds: { i: i64([2, 2], [4, 0, 2, 4]), s: f32(quantizedFixture(bits, 5, 32).scalesShape, quantizedFixture(bits, 5, 32).scales) },
  })),
  Iota: [{ name: 'length 5', build: (g) => [F.cast(F.iota(x(g), 5), 'float32')], feeds: { x: X } }],
}

describe('ONNX emission of every op, against the reference interpreter', () => {
  it('has an emitter and test cases for every op', () => {
    expect(OP_NAMES.filter((op) => typeof emitters[op] !== 'function')).toEqual([])
    expect(OP_NAMES.filter((op) => !cases[op]?.length)).toEqual([])
  })

  for (const op of OP_NAMES) {
    for (const c of cases[op]) {
      it(`${op}: ${c.name}`, async () => {
        const g = new Graph()
        c.build(g).forEach((v, i) => g.output(`out${i}`, v))
        const [outputs] = await compareWithReference(g, [c.feeds])
        for (const o of outputs) {
          expect(o.shape, `${o.name} shape`).toEqual(o.referenceShape)
          expect(o.maxAbsError / o.scale, `${o.name} error`).toBeLessThan(1e-5)
        }
      })
    }
  }
})

describe('GPU-target emission, where it differs (composed LogSoftmax, constant Iota), against the reference interpreter', () => {
  const gpuCases: OpCase[] = [
    ...cases.LogSoftmax,
    { name: 'LogSoftmax of large logits (max-shifted)', build: (g) => [F.logSoftmax(F.mul(x(g), 400), 1)], feeds: { x: X } },
    ...cases.Iota,
  ]
  for (const c of gpuCases) {
    it(c.name, async () => {
      const g = new Graph()
      c.build(g).forEach((v, i) => g.output(`out${i}`, v))
      const [outputs] = await compareWithReference(g, [c.feeds], 'gpu' satisfies EmitTarget)
      for (const o of outputs) expect(o.maxAbsError / o.scale, `${o.name} error`).toBeLessThan(1e-5)
    })
  }
})
