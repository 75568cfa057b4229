// What autodiff does around the rules: pruning, StopGradient, fan-out, seeds, ties and errors.
import { describe, expect, it } from 'vitest'
import { F, Graph, type Value } from '../../../main/engine/ir'
import { AutodiffError, GRADIENT_RULES, gradients, NotDifferentiableError } from '../../../main/engine/autodiff'
import { evaluate, ndarray } from '../../../main/engine/reference'
import { crossEntropy } from '../../../main/engine/nn'

const data = (v: { data: Float64Array }) => [...v.data]

/** Values read by the nodes added after `from` (to see what the backward pass touched). */
function valuesReadSince(g: Graph, from: number): Set<Value> {
  return new Set(g.nodes.slice(from).flatMap((n) => n.inputs))
}

describe('autodiff: pruning', () => {
  it('differentiates only the path from the requested parameter to the loss', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2, 3])
    const a = g.input('a', 'float64', [3])
    const b = g.input('b', 'float64', [3])
    const left = F.sum(F.mul(x, a), [0, 1])
    const bx = F.mul(x, b)
    const ex = F.exp(bx)
    const right = F.sum(ex, [0, 1])
    const loss = F.add(left, right)
    const before = g.nodes.length
    const [da] = gradients(loss, [a])
    // Add passes the seed through; ReduceSum: Reshape + Expand; Mul (broadcast a): Mul + ReduceSum + Reshape.
    expect(g.nodes.length - before).toBe(5)
    const touched = valuesReadSince(g, before)
    for (const unrelated of [b, bx, ex, right]) expect(touched.has(unrelated)).toBe(false)
    const feeds = { x: ndarray('float64', [2, 3], [1, 2, 3, 4, 5, 6]), a: ndarray('float64', [3], [0, 0, 0]) }
    expect(data(evaluate(g, feeds, [da])[0])).toEqual([5, 7, 9])
  })

  it('never builds the gradient of a frozen MatMul operand', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2, 3])
    const w = g.weight('w', 'float64', [3, 4], { kind: 'inline', data: new Array(12).fill(1) })
    const loss = F.sum(F.matmul(x, w), [0, 1])
    const before = g.nodes.length
    gradients(loss, [x])
    const added = g.nodes.slice(before)
    expect(added.filter((n) => n.op === 'MatMul')).toHaveLength(1)
    expect(added.find((n) => n.op === 'MatMul')?.inputs[1].origin).toMatchObject({ kind: 'node' }) // dY·wᵀ reads Transpose(w)
  })

  it('gives zeros (of a symbolic shape) for a parameter the loss does not depend on', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', ['n'])
    const unused = g.input('unused', 'float64', ['n', 2])
    const [dUnused] = gradients(F.sum(F.exp(x), [0]), [unused])
    const [value] = evaluate(g, { x: ndarray('float64', [3]), unused: ndarray('float64', [3, 2]) }, [dUnused])
    expect(value.shape).toEqual([3, 2])
    expect(data(value)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('lets integer and bool tensors end gradient paths: TopK indices feeding a Gather carry no gradient', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [4])
    const table = g.input('table', 'float64', [4, 2])
    const picked = F.sum(F.gather(table, F.topk(x, 2, 0).indices, 0), [0, 1])
    const [dx, dTable] = gradients(picked, [x, table])
    const [vx, vt] = evaluate(g, { x: ndarray('float64', [4], [3, 1, 4, 2]), table: ndarray('float64', [4, 2]) }, [dx, dTable])
    expect(data(vx)).toEqual([0, 0, 0, 0])
    expect(data(vt)).toEqual([1, 1, 0, 0, 1, 1, 0, 0])
  })
})

describe('autodiff: StopGradient and fan-out', () => {
  it('blocks the gradient through StopGradient while the other use of x still counts', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [3])
    const [dx] = gradients(F.sum(F.mul(x, F.stopGradient(x)), [0]), [x])
    expect(data(evaluate(g, { x: ndarray('float64', [3], [1, -2, 3]) }, [dx])[0])).toEqual([1, -2, 3])
  })

  it('gives zeros when every path runs through StopGradient, and builds no rule for it', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2])
    const loss = F.sum(F.stopGradient(F.exp(x)), [0])
    const before = g.nodes.length
    const [dx] = gradients(loss, [x])
    expect(g.nodes.slice(before).map((n) => n.op)).toEqual(['Expand'])
    expect(data(evaluate(g, { x: ndarray('float64', [2], [1, 2]) }, [dx])[0])).toEqual([0, 0])
  })

  it('sums the gradients of a value used several times', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2])
    // d/dx (2x + exp(x) + x) = 3 + exp(x)
    const [dx] = gradients(F.sum(F.add(F.add(F.mul(x, 2), F.exp(x)), x), [0]), [x])
    const [v] = evaluate(g, { x: ndarray('float64', [2], [0, 1]) }, [dx])
    expect(v.data[0]).toBeCloseTo(4, 14)
    expect(v.data[1]).toBeCloseTo(3 + Math.E, 14)
  })

  it('takes an explicit seed for a non-scalar loss', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [3])
    const seed = g.input('seed', 'float64', [3])
    const [dx] = gradients(F.mul(x, x), [x], { seed })
    expect(data(evaluate(g, { x: ndarray('float64', [3], [1, 2, 3]), seed: ndarray('float64', [3], [1, 0, -1]) }, [dx])[0])).toEqual([2, 0, -6])
  })
})

describe('autodiff: ties', () => {
  it('Max/Min split a tie evenly between the operands', () => {
    const g = new Graph()
    const a = g.input('a', 'float64', [2])
    const b = g.input('b', 'float64', [2])
    const [da, db] = gradients(F.sum(F.maximum(a, b), [0]), [a, b])
    const [va, vb] = evaluate(g, { a: ndarray('float64', [2], [1, 5]), b: ndarray('float64', [2], [1, 2]) }, [da, db])
    expect(data(va)).toEqual([0.5, 1])
    expect(data(vb)).toEqual([0.5, 0])
  })

  it('ReduceMax splits the gradient among tied maxima', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2, 3])
    const [dx] = gradients(F.sum(F.max(x, [1]), [0]), [x])
    expect(data(evaluate(g, { x: ndarray('float64', [2, 3], [4, 1, 4, 0, 7, 2]) }, [dx])[0])).toEqual([0.5, 0, 0.5, 0, 1, 0])
  })
})

describe('autodiff: errors and naming', () => {
  it('names the op, scope and value when the path crosses an op without a gradient', () => {
    const g = new Graph()
    const x = g.input('adapter.scale', 'float64', [3])
    const h = g.scoped('layers.0.mlp', () => F.exp(x))
    const loss = F.sum(h, [0])
    const rules = { ...GRADIENT_RULES, Exp: 'not-differentiable' as const }
    let error: unknown
    try {
      gradients(loss, [x], { rules })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(NotDifferentiableError)
    const nd = error as NotDifferentiableError
    expect(nd.op).toBe('Exp')
    expect(nd.scope).toBe('layers.0.mlp')
    expect(nd.value).toBe(h)
    expect(nd.message).toMatch(/cannot differentiate Exp at scope 'layers.0.mlp': its output %\d+: float64\[3\] lies on the path from adapter.scale to the loss/)
  })

  it('rejects a non-scalar loss without a seed, integer parameters, and a rule that omits a needed input', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [3])
    const ids = g.input('ids', 'int64', [3])
    expect(() => gradients(F.exp(x), [x])).toThrow(/must be a scalar.*options.seed/)
    expect(() => gradients(F.sum(x, [0]), [ids])).toThrow(/ids: int64\[3\]: not a float tensor/)
    const rules = { ...GRADIENT_RULES, Mul: () => [null, null] }
    expect(() => gradients(F.sum(F.mul(x, x), [0]), [x], { rules })).toThrow(AutodiffError)
    expect(() => gradients(F.sum(F.mul(x, x), [0]), [x], { rules })).toThrow(/the Mul rule gives no gradient for input 0/)
  })

  it('scopes gradient nodes under grad.<forward scope>', () => {
    const g = new Graph()
    const x = g.input('x', 'float64', [2])
    const loss = g.scoped('block', () => F.sum(F.tanh(x), [0]))
    const before = g.nodes.length
    gradients(loss, [x])
    expect(new Set(g.nodes.slice(before).map((n) => n.scope))).toEqual(new Set(['grad.block']))
  })
})

describe('cross-entropy through LogSoftmax', () => {
  it('scatters the picked gradients onto −exp(y)·Σg: no zeros and no subtraction the size of the logits', () => {
    const g = new Graph()
    const logits = g.input('logits', 'float32', ['n', 50])
    const labels = g.input('labels', 'int64', ['n'])
    const mask = g.input('mask', 'float32', ['n'])
    const [dx] = gradients(crossEntropy(logits, labels, mask), [logits])
    const producers = new Set<string>()
    const seen = new Set<Value>()
    const walk = (v: Value): void => {
      if (seen.has(v) || v.origin.kind !== 'node') return
      seen.add(v)
      const node = v.origin.node
      if (node.outputs[0].shape.join() === 'n,50') producers.add(node.op)
      node.inputs.forEach(walk)
    }
    walk(dx)
    expect(dx.origin.kind === 'node' && dx.origin.node.op).toBe('ScatterElementsAdd')
    // full-size work: the forward LogSoftmax, exp of it, the scale, and the one scatter
    expect([...producers].sort()).toEqual(['Exp', 'LogSoftmax', 'Mul', 'ScatterElementsAdd'])
  })
})
