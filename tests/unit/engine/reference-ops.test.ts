// Forward semantics of every op in the float64 reference interpreter, against hand-computed values.
import { describe, expect, it } from 'vitest'
import { F, Graph, OP_NAMES, type OpName, type Value } from '../../../main/engine/ir'
import { erf, evaluate, ndarray, type NdArray } from '../../../main/engine/reference'

interface Expected {
  shape: number[]
  data: number[]
  dtype?: string
}
interface ForwardCase {
  name: string
  /** Builds the op under test; returns its output(s). */
  build: (g: Graph) => Value | Value[]
  feeds?: Record<string, NdArray>
  expect: Expected | Expected[]
}

const f64 = (g: Graph, data: number[], shape: number[]): Value => g.constant(data, 'float64', shape)
const i64 = (g: Graph, data: number[], shape: number[]): Value => g.constant(data, 'int64', shape)
const bool = (g: Graph, data: number[], shape: number[]): Value => g.constant(data, 'bool', shape)

function binaryCase(op: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'Max' | 'Min', data: number[]): ForwardCase {
  // [2, 2] op [2] (broadcast over rows)
  return {
    name: `${op} broadcast [2,2] with [2]`,
    build: (g) => g.op(op, [f64(g, [1, 2, 3, 4], [2, 2]), f64(g, [2, 0.5], [2])], {}),
    expect: { shape: [2, 2], data },
  }
}

/** Two rows of 16 levels, packed two per byte (low nibble first): 0..15, then 15..0. */
const NIBBLES = [...Array.from({ length: 8 }, (_, i) => (2 * i) | ((2 * i + 1) << 4)), ...Array.from({ length: 8 }, (_, i) => (15 - 2 * i) | ((14 - 2 * i) << 4))]
const Q4 = { bits: 4, blockSize: 16, rows: 2, cols: 16 } as const

const cases: { [K in OpName]: ForwardCase[] } = {
  Add: [binaryCase('Add', [3, 2.5, 5, 4.5])],
  Sub: [binaryCase('Sub', [-1, 1.5, 1, 3.5]), { name: 'int64', build: (g) => F.sub(i64(g, [5, 7], [2]), i64(g, [2], [1])), expect: { shape: [2], data: [3, 5], dtype: 'int64' } }],
  Mul: [binaryCase('Mul', [2, 1, 6, 2])],
  Div: [binaryCase('Div', [0.5, 4, 1.5, 8]), { name: 'int64 truncates toward zero', build: (g) => F.div(i64(g, [7, -7], [2]), i64(g, [2], [])), expect: { shape: [2], data: [3, -3], dtype: 'int64' } }],
  Pow: [binaryCase('Pow', [1, Math.SQRT2, 9, 2])],
  Max: [binaryCase('Max', [2, 2, 3, 4])],
  Min: [binaryCase('Min', [1, 0.5, 2, 0.5])],
  Equal: [{ name: 'broadcast', build: (g) => F.equal(f64(g, [1, 2, 3], [3]), f64(g, [2], [1])), expect: { shape: [3], data: [0, 1, 0], dtype: 'bool' } }],
  Less: [{ name: 'broadcast', build: (g) => F.less(f64(g, [1, 2, 3], [3]), f64(g, [2], [])), expect: { shape: [3], data: [1, 0, 0], dtype: 'bool' } }],
  Greater: [{ name: '2d', build: (g) => F.greater(f64(g, [1, 5], [2, 1]), f64(g, [2, 4], [1, 2])), expect: { shape: [2, 2], data: [0, 0, 1, 1], dtype: 'bool' } }],
  And: [{ name: 'truth table', build: (g) => F.and(bool(g, [0, 0, 1, 1], [4]), bool(g, [0, 1, 0, 1], [4])), expect: { shape: [4], data: [0, 0, 0, 1], dtype: 'bool' } }],
  Or: [{ name: 'truth table', build: (g) => F.or(bool(g, [0, 0, 1, 1], [4]), bool(g, [0, 1, 0, 1], [4])), expect: { shape: [4], data: [0, 1, 1, 1], dtype: 'bool' } }],
  Not: [{ name: 'flip', build: (g) => F.not(bool(g, [0, 1], [2])), expect: { shape: [2], data: [1, 0], dtype: 'bool' } }],
  Where: [
    {
      name: 'condition [2,1] broadcast against [2] and scalar',
      build: (g) => F.where(bool(g, [1, 0], [2, 1]), f64(g, [10, 20], [2]), f64(g, [-1], [])),
      expect: { shape: [2, 2], data: [10, 20, -1, -1] },
    },
  ],
  Neg: [{ name: 'values', build: (g) => F.neg(f64(g, [1, -2], [2])), expect: { shape: [2], data: [-1, 2] } }],
  Exp: [{ name: 'values', build: (g) => F.exp(f64(g, [0, 1], [2])), expect: { shape: [2], data: [1, Math.E] } }],
  Log: [{ name: 'values', build: (g) => F.log(f64(g, [1, Math.E ** 2], [2])), expect: { shape: [2], data: [0, 2] } }],
  Sqrt: [{ name: 'values', build: (g) => F.sqrt(f64(g, [4, 2.25], [2])), expect: { shape: [2], data: [2, 1.5] } }],
  Reciprocal: [{ name: 'values', build: (g) => F.reciprocal(f64(g, [4, -0.5], [2])), expect: { shape: [2], data: [0.25, -2] } }],
  Tanh: [{ name: 'values', build: (g) => F.tanh(f64(g, [0, Math.log(2)], [2])), expect: { shape: [2], data: [0, 0.6] } }],
  Sigmoid: [{ name: 'values incl. large negative', build: (g) => F.sigmoid(f64(g, [0, Math.log(3), -800], [3])), expect: { shape: [3], data: [0.5, 0.75, 0] } }],
  Erf: [
    {
      name: 'tabulated values',
      // erf(0.5), erf(1), erf(2), erf(3.5) from Abramowitz & Stegun / DLMF to 16 digits
      build: (g) => F.erf(f64(g, [0, 0.5, -1, 2, 3.5], [5])),
      expect: { shape: [5], data: [0, 0.5204998778130465, -0.8427007929497149, 0.9953222650189527, 0.9999992569016276] },
    },
  ],
  Abs: [{ name: 'values', build: (g) => F.abs(f64(g, [-3, 0, 2], [3])), expect: { shape: [3], data: [3, 0, 2] } }],
  Cast: [
    { name: 'float to int truncates', build: (g) => F.cast(f64(g, [1.7, -1.7], [2]), 'int64'), expect: { shape: [2], data: [1, -1], dtype: 'int64' } },
    { name: 'bool to float', build: (g) => F.cast(bool(g, [1, 0], [2]), 'float32'), expect: { shape: [2], data: [1, 0], dtype: 'float32' } },
    { name: 'float to bool', build: (g) => F.cast(f64(g, [0, -2], [2]), 'bool'), expect: { shape: [2], data: [0, 1], dtype: 'bool' } },
  ],
  Identity: [{ name: 'copy', build: (g) => F.identity(f64(g, [1, 2], [2])), expect: { shape: [2], data: [1, 2] } }],
  StopGradient: [{ name: 'identity forward', build: (g) => F.stopGradient(f64(g, [1, 2], [2])), expect: { shape: [2], data: [1, 2] } }],
  MatMul: [
    { name: '2x3 by 3x2', build: (g) => F.matmul(f64(g, [1, 2, 3, 4, 5, 6], [2, 3]), f64(g, [1, 0, 0, 1, 1, 1], [3, 2])), expect: { shape: [2, 2], data: [4, 5, 10, 11] } },
    {
      name: 'batch broadcast [2,1,2] by [2,1]',
      build: (g) => F.matmul(f64(g, [1, 2, 3, 4], [2, 1, 2]), f64(g, [10, 1], [2, 1])),
      expect: { shape: [2, 1, 1], data: [12, 34] },
    },
    {
      name: 'batch broadcast [2,1,1,2] by [3,2,1]',
      build: (g) => F.matmul(f64(g, [1, 2, 3, 4], [2, 1, 1, 2]), f64(g, [1, 0, 0, 1, 1, 1], [3, 2, 1])),
      expect: { shape: [2, 3, 1, 1], data: [1, 2, 3, 3, 4, 7] },
    },
  ],
  ReduceSum: [
    { name: 'axis 1 keepdims', build: (g) => F.sum(f64(g, [1, 2, 3, 4, 5, 6], [2, 3]), [1], true), expect: { shape: [2, 1], data: [6, 15] } },
    { name: 'axes [0, -1]', build: (g) => F.sum(f64(g, [1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), [0, -1]), expect: { shape: [2], data: [14, 22] } },
  ],
  ReduceMean: [{ name: 'axis 0', build: (g) => F.mean(f64(g, [1, 2, 3, 4, 5, 6], [2, 3]), [0]), expect: { shape: [3], data: [2.5, 3.5, 4.5] } }],
  ReduceMax: [{ name: 'axis 1', build: (g) => F.max(f64(g, [1, 7, 3, -4, -5, -6], [2, 3]), [1]), expect: { shape: [2], data: [7, -4] } }],
  Softmax: [
    {
      name: 'rows, large logits stay finite',
      build: (g) => F.softmax(f64(g, [0, Math.log(3), 1000, 1000], [2, 2]), -1),
      expect: { shape: [2, 2], data: [0.25, 0.75, 0.5, 0.5] },
    },
    { name: 'axis 0', build: (g) => F.softmax(f64(g, [0, 0, Math.log(3), 0], [2, 2]), 0), expect: { shape: [2, 2], data: [0.25, 0.5, 0.75, 0.5] } },
  ],
  LogSoftmax: [{ name: 'rows', build: (g) => F.logSoftmax(f64(g, [0, Math.log(3)], [1, 2])), expect: { shape: [1, 2], data: [Math.log(0.25), Math.log(0.75)] } }],
  Reshape: [
    {
      name: 'symbolic target',
      build: (g) => F.reshape(g.input('x', 'float64', ['b', 2]), ['b', 1, 2]),
      feeds: { x: ndarray('float64', [3, 2], [1, 2, 3, 4, 5, 6]) },
      expect: { shape: [3, 1, 2], data: [1, 2, 3, 4, 5, 6] },
    },
    {
      name: 'product symbol b*s',
      build: (g) => F.reshape(g.input('x', 'float64', ['b', 's']), ['b*s']),
      feeds: { x: ndarray('float64', [2, 2], [1, 2, 3, 4]) },
      expect: { shape: [4], data: [1, 2, 3, 4] },
    },
  ],
  Transpose: [
    { name: '2d', build: (g) => F.transpose(f64(g, [1, 2, 3, 4, 5, 6], [2, 3]), [1, 0]), expect: { shape: [3, 2], data: [1, 4, 2, 5, 3, 6] } },
    {
      name: '3d [2,0,1]',
      build: (g) => F.transpose(f64(g, [0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2]), [2, 0, 1]),
      // out[k][i][j] = x[i][j][k]
      expect: { shape: [2, 2, 2], data: [0, 2, 4, 6, 1, 3, 5, 7] },
    },
  ],
  Expand: [{ name: '[2,1] to [b,2,3]', build: (g) => { g.input('anchor', 'float64', ['b']); return F.expand(f64(g, [1, 2], [2, 1]), ['b', 2, 3]) }, feeds: { anchor: ndarray('float64', [2], [0, 0]) }, expect: { shape: [2, 2, 3], data: [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2] } }],
  Concat: [
    { name: 'axis 1', build: (g) => F.concat([f64(g, [1, 2], [2, 1]), f64(g, [3, 4, 5, 6], [2, 2])], 1), expect: { shape: [2, 3], data: [1, 3, 4, 2, 5, 6] } },
    { name: 'axis 0', build: (g) => F.concat([f64(g, [1], [1]), f64(g, [2, 3], [2])], 0), expect: { shape: [3], data: [1, 2, 3] } },
  ],
  Slice: [{ name: 'axis 1 [1:3]', build: (g) => F.slice(f64(g, [1, 2, 3, 4, 5, 6, 7, 8], [2, 4]), 1, 1, 3), expect: { shape: [2, 2], data: [2, 3, 6, 7] } }],
  Pad: [{ name: 'axis 0 before 1 after 2', build: (g) => F.pad(f64(g, [1, 2], [1, 2]), 0, 1, 2), expect: { shape: [4, 2], data: [0, 0, 1, 2, 0, 0, 0, 0] } }],
  Gather: [
    { name: 'rows with 2d indices, negative index', build: (g) => F.gather(f64(g, [1, 2, 3, 4, 5, 6], [3, 2]), i64(g, [2, 0, -3, 1], [2, 2]), 0), expect: { shape: [2, 2, 2], data: [5, 6, 1, 2, 1, 2, 3, 4] } },
    { name: 'axis 1', build: (g) => F.gather(f64(g, [1, 2, 3, 4, 5, 6], [2, 3]), i64(g, [2, 2], [2]), 1), expect: { shape: [2, 2], data: [3, 3, 6, 6] } },
  ],
  GatherElements: [{ name: 'axis 1', build: (g) => F.gatherElements(f64(g, [1, 2, 3, 4], [2, 2]), i64(g, [0, 0, 1, 0], [2, 2]), 1), expect: { shape: [2, 2], data: [1, 1, 4, 3] } }],
  ScatterElementsAdd: [
    {
      name: 'axis 0, repeated indices add',
      build: (g) => F.scatterElementsAdd(f64(g, [0, 0, 0, 0, 0, 0], [3, 2]), i64(g, [1, 0, 1, 2], [2, 2]), f64(g, [1, 2, 3, 4], [2, 2]), 0),
      expect: { shape: [3, 2], data: [0, 2, 4, 0, 0, 4] },
    },
  ],
  TopK: [
    {
      name: 'k=2 along axis 1, ties keep lower index first',
      build: (g) => {
        const { values, indices } = F.topk(f64(g, [1, 3, 3, 2, 9, 8, 7, 9], [2, 4]), 2, 1)
        return [values, indices]
      },
      expect: [
        { shape: [2, 2], data: [3, 3, 9, 9] },
        { shape: [2, 2], data: [1, 2, 0, 3], dtype: 'int64' },
      ],
    },
    {
      name: 'along axis 0',
      build: (g) => F.topk(f64(g, [1, 5, 4, 2], [2, 2]), 1, 0).indices,
      expect: { shape: [1, 2], data: [1, 0], dtype: 'int64' },
    },
  ],
  // W [2, 16], 4-bit, one block per row: levels 0..15 in the first row, 15..0 in the second
  // (two per byte, low nibble first), scales 0.5 and 2, zero point 8: W[0, k] = (k − 8)·0.5.
  MatMulNBits: [
    {
      name: '4-bit [1,16]·Wᵀ with W [2,16]',
      build: (g) => F.matmulNBits(f64(g, Array.from({ length: 16 }, (_, k) => (k === 3 ? 1 : 0)), [1, 16]), g.constant(NIBBLES, 'uint8', [2, 1, 8]), f64(g, [0.5, 2], [2, 1]), Q4),
      expect: { shape: [1, 2], data: [(3 - 8) * 0.5, (12 - 8) * 2] },
    },
    {
      name: '8-bit [1,16]·Wᵀ with W [1,16]',
      build: (g) => F.matmulNBits(f64(g, Array.from({ length: 16 }, () => 1), [1, 16]), g.constant(Array.from({ length: 16 }, (_, k) => 120 + k), 'uint8', [1, 1, 16]), f64(g, [0.25], [1, 1]), { bits: 8, blockSize: 16, rows: 1, cols: 16 }),
      expect: { shape: [1, 1], data: [Array.from({ length: 16 }, (_, k) => (k - 8) * 0.25).reduce((a, b) => a + b)] },
    },
  ],
  DequantizeNBits: [
    {
      name: '4-bit W [2,16]',
      build: (g) => F.dequantizeNBits(g.constant(NIBBLES, 'uint8', [2, 1, 8]), f64(g, [0.5, 2], [2, 1]), Q4),
      expect: { shape: [2, 16], data: [...Array.from({ length: 16 }, (_, k) => (k - 8) * 0.5), ...Array.from({ length: 16 }, (_, k) => (7 - k) * 2)] },
    },
  ],
  GatherNBits: [
    {
      name: 'rows [1, 0, 1] of a 4-bit W [2,16]',
      build: (g) => F.gatherNBits(g.constant(NIBBLES, 'uint8', [2, 1, 8]), i64(g, [1, 0, 1], [3]), f64(g, [0.5, 2], [2, 1]), Q4),
      expect: { shape: [3, 16], data: [1, 0, 1].flatMap((row) => Array.from({ length: 16 }, (_, k) => (row === 0 ? (k - 8) * 0.5 : (7 - k) * 2))) },
    },
  ],
  Iota: [{ name: 'symbolic length', build: (g) => F.iota(g.input('x', 'float64', ['n']), 'n'), feeds: { x: ndarray('float64', [4], [0, 0, 0, 0]) }, expect: { shape: [4], data: [0, 1, 2, 3], dtype: 'int64' } }],
}

function runCase(c: ForwardCase): NdArray[] {
  const g = new Graph()
  const out = c.build(g)
  return evaluate(g, c.feeds ?? {}, Array.isArray(out) ? out : [out])
}

describe('reference interpreter: forward of every op', () => {
  it('has a forward case for every op in OP_NAMES', () => {
    const missing = OP_NAMES.filter((op) => !(cases[op]?.length > 0))
    expect(missing).toEqual([])
  })

  for (const op of OP_NAMES) {
    for (const c of cases[op]) {
      it(`${op}: ${c.name}`, () => {
        const results = runCase(c)
        const expected = Array.isArray(c.expect) ? c.expect : [c.expect]
        expect(results.length).toBe(expected.length)
        results.forEach((r, i) => {
          expect(r.shape).toEqual(expected[i].shape)
          if (expected[i].dtype) expect(r.dtype).toBe(expected[i].dtype)
          expect(r.data.length).toBe(expected[i].data.length)
          r.data.forEach((v, k) => expect(v).toBeCloseTo(expected[i].data[k], 12))
        })
      })
    }
  }
})

describe('erf', () => {
  it('is odd, saturates, and is accurate across the series/continued-fraction switch at 3', () => {
    expect(erf(-0.3)).toBe(-erf(0.3))
    expect(erf(30)).toBe(1)
    // erf(3) = 0.9999779095030014; both branches agree around the switch point
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 15)
    expect(Math.abs(erf(3 - 1e-12) - erf(3))).toBeLessThan(1e-14)
  })
})
