// Graph.block and gradients(..., { recompute: true }) on hand-built graphs: which nodes a block
// marks, that the recomputation waits for the later blocks' backward (so onnxruntime can neither
// merge it with the forward nor run it early), and that it changes no gradient, not even a
// non-finite one.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import { F, Graph, type Node, type Value } from '../../../main/engine/ir'
import { evaluate, ndarray } from '../../../main/engine/reference'

/** Two blocks of y = x + tanh(x·w) ⊙ log(x²+c), then the summed loss. */
function twoBlocks(recompute: boolean) {
  const g = new Graph()
  const x = g.input('x', 'float64', [2, 3])
  const w = g.input('w', 'float64', [3, 3])
  const c = g.input('c', 'float64', [])
  const layer = (h: Value) => F.add(h, F.mul(F.tanh(F.matmul(h, w)), F.log(F.add(F.mul(h, h), c))))
  const embedded = F.mul(x, 2) // a node outside the blocks, as an embedding is
  const first = g.block('layers.0', () => layer(embedded))
  const second = g.block('layers.1', () => layer(first))
  const loss = F.sum(F.mul(second, second), [0, 1])
  const forward = g.nodes.length
  const [dw, dx] = gradients(loss, [w, x], { recompute })
  return { g, forward, dw, dx, first, loss }
}

/** Every node `value` depends on, transitively. */
function ancestors(value: Value): Set<Node> {
  const seen = new Set<Node>()
  const stack = [value]
  while (stack.length > 0) {
    const v = stack.pop()!
    if (v.origin.kind !== 'node' || seen.has(v.origin.node)) continue
    seen.add(v.origin.node)
    stack.push(...v.origin.node.inputs)
  }
  return seen
}

describe('Graph.block', () => {
  it('marks the nodes built inside with the block (the full scope), and no others', () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2])
    const outside = F.exp(x)
    const inside = g.scoped('decoder', () => g.block('layers.3', () => g.scoped('attn', () => F.tanh(outside))))
    const after = F.neg(inside)
    expect([outside, inside, after].map((v) => (v.origin.kind === 'node' ? [v.origin.node.segment, v.origin.node.scope] : null))).toEqual([
      [null, null],
      ['decoder.layers.3', 'decoder.layers.3.attn'],
      [null, null],
    ])
  })

  it('refuses a block inside a block, naming both', () => {
    const g = new Graph()
    const x = g.input('x', 'float32', [2])
    expect(() => g.block('layers.0', () => g.block('inner', () => F.exp(x)))).toThrow('block "inner" inside block "layers.0": blocks do not nest')
    expect(F.exp(x).origin).toMatchObject({ node: { segment: null } }) // the failed block left no segment behind
  })
})

describe('gradients with recompute', () => {
  const feeds = (x: number[]) => ({ x: ndarray('float64', [2, 3], x), w: ndarray('float64', [3, 3], [0.3, -0.2, 0.5, 0.1, 0.4, -0.6, 0.2, 0.7, -0.1]), c: ndarray('float64', [], [0.5]) })

  it('gives the gradients of the kept graph', () => {
    const x = [0.5, -1, 2, 0.25, 1.5, -0.75]
    const kept = twoBlocks(false)
    const recomputed = twoBlocks(true)
    const [kw, kx] = evaluate(kept.g, feeds(x), [kept.dw, kept.dx])
    const [rw, rx] = evaluate(recomputed.g, feeds(x), [recomputed.dw, recomputed.dx])
    expect([...rw.data]).toEqual([...kw.data])
    expect([...rx.data]).toEqual([...kx.data])
  })

  it('keeps non-finite gradients as they are (the ordering zero is 0 even when dY holds inf or NaN)', () => {
    const x = [0, -1, 2, 0.25, 1.5, -0.75] // log(0² + c) with c = 0: -inf in the forward, NaN and inf in the backward
    const zeroC = (f: ReturnType<typeof feeds>) => ({ ...f, c: ndarray('float64', [], [0]) })
    const kept = twoBlocks(false)
    const recomputed = twoBlocks(true)
    const [kx] = evaluate(kept.g, zeroC(feeds(x)), [kept.dx])
    const [rx] = evaluate(recomputed.g, zeroC(feeds(x)), [recomputed.dx])
    expect([...kx.data].some((v) => !Number.isFinite(v))).toBe(true)
    expect([...kx.data].some(Number.isFinite)).toBe(true)
    expect([...rx.data]).toEqual([...kx.data])
  })

  it("reads block 0's activations from clones that wait for block 1's backward", () => {
    const { g, forward, first } = twoBlocks(true)
    const blockZero = g.nodes.slice(0, forward).filter((n) => n.segment === 'layers.0')
    const gradientNodesOfBlockZero = g.nodes.slice(forward).filter((n) => n.scope === 'grad.layers.0')
    const readByThem = new Set(gradientNodesOfBlockZero.flatMap((n) => n.inputs))
    // No gradient node reads an activation of block 0 but its output (read by block 1 too).
    for (const node of blockZero) for (const out of node.outputs) if (out !== first) expect(readByThem.has(out)).toBe(false)
    const clones = g.nodes.slice(forward).filter((n) => n.scope === 'recompute.layers.0')
    expect(clones.map((n) => n.op).sort()).toEqual(['Add', 'Add', 'Log', 'MatMul', 'Mul', 'Mul', 'Tanh']) // the whole block
    // Each clone depends on the backward of block 1, so it can neither run before it nor be merged with the forward.
    for (const clone of clones) {
      const before = ancestors(clone.outputs[0])
      expect([...before].some((n) => n.scope === 'grad.layers.1')).toBe(true)
    }
  })

  it("runs a block's parameter gradients, and the loss, before the next block's recomputation", () => {
    const { g, forward, loss } = twoBlocks(true)
    const clonesOf = (block: string) => g.nodes.slice(forward).filter((n) => n.scope === `recompute.${block}`)
    // dL/dw of block 1 is a MatMul of block 1's backward shaped like w; onnxruntime's order would otherwise leave it to the end.
    const dwOfBlockOne = g.nodes.slice(forward).find((n) => n.scope === 'grad.layers.1' && n.op === 'MatMul' && n.outputs[0].shape.join() === '3,3')!
    expect(dwOfBlockOne).toBeDefined()
    for (const clone of clonesOf('layers.0')) expect(ancestors(clone.outputs[0]).has(dwOfBlockOne)).toBe(true)
    for (const clone of clonesOf('layers.1')) expect(ancestors(clone.outputs[0]).has(loss.origin.kind === 'node' ? loss.origin.node : (null as never))).toBe(true)
  })

  it('builds nothing extra without recompute', () => {
    const { g, forward } = twoBlocks(false)
    expect(g.nodes.slice(forward).filter((n) => n.scope?.startsWith('recompute')).length).toBe(0)
  })
})
