// The low-rank update's passes over the tokens (main/engine/adapters/common/low-rank.ts): on a
// CPU the thin adapter products read about as many bytes as they multiply, so each extra pass over
// x [tokens, in] or over the update [tokens, out] costs about as much as a product. MoLoRA's router
// shares the product that reads x with the experts' A, and α/r scales B rather than the update, so
// the train step of either method reads x in two products (forward, and the weights' gradient),
// gives x's gradient in one, and scales nothing token-sized. What is computed is checked elsewhere
// (site-formulas.test.ts); these count the graph's nodes.
import { describe, expect, it } from 'vitest'
import { gradients } from '../../../main/engine/autodiff'
import type { Node, Value } from '../../../main/engine/ir'
import { buildSiteGraph, DIMS, TOKENS } from './support/site-graph'

/** E·r = 8 and E·r + E = 12 rows of the stacked factors, so no parameter-sized tensor has TOKENS (6) rows. */
const cases = [
  { name: 'MoLoRA, 4 experts of rank 2', config: { method: 'molora', experts: 4, rank: 2 } },
  { name: 'MoLoRA top-2 of 4, load balancing', config: { method: 'molora', experts: 4, rank: 2, top_k: 2, renormalize: true, load_balancing_coefficient: 0.1 } },
  { name: 'LoRA r=2', config: { method: 'lora', rank: 2 } },
]

const MOVEMENT = new Set(['Reshape', 'Transpose', 'Cast'])

/** v is x, or x moved by reshapes and transposes (the same bytes read again). */
function isMovedFrom(v: Value, x: Value): boolean {
  if (v === x) return true
  const origin = v.origin
  return origin.kind === 'node' && MOVEMENT.has(origin.node.op) && isMovedFrom(origin.node.inputs[0], x)
}

/** [..., TOKENS-worth of leading axes, last]: a per-token tensor whose last axis is `last`. */
function perToken(v: Value, last: number): boolean {
  const lead = v.shape.slice(0, -1)
  return v.shape[v.rank - 1] === last && lead.every((d) => typeof d === 'number') && (lead as number[]).reduce((a, b) => a * b, 1) === TOKENS
}

function trainStepNodes(config: unknown): { nodes: readonly Node[]; x: Value; dx: Value } {
  const site = buildSiteGraph(config, 'projection', 'float32')
  const x = site.graph.inputs.find((v) => v.name === 'x')!
  // The step's backward: x's gradient (the layers below need it) and every parameter's.
  const [dx] = gradients(site.loss, [x, ...site.build.parameters.map((p) => p.value)])
  return { nodes: site.graph.nodes, x, dx }
}

/** The products whose sum (through moves and additions) is `v`. */
function productsBehind(v: Value): Node[] {
  const origin = v.origin
  if (origin.kind !== 'node') return []
  if (origin.node.op === 'MatMul') return [origin.node]
  return MOVEMENT.has(origin.node.op) || origin.node.op === 'Add' ? origin.node.inputs.flatMap(productsBehind) : []
}

describe('a low-rank site makes as few passes over the tokens as its method needs', () => {
  for (const c of cases) {
    describe(c.name, () => {
      const { nodes, x, dx } = trainStepNodes(c.config)
      const products = nodes.filter((n) => n.op === 'MatMul')

      it('reads x in three products: the frozen base, the adapter forward, and the gradient of A (with the router)', () => {
        expect(products.filter((n) => n.inputs.some((i) => isMovedFrom(i, x)))).toHaveLength(3)
      })

      it("gives x's gradient in two products, the base's and the adapter's", () => {
        expect(productsBehind(dx)).toHaveLength(2)
        expect(products.filter((n) => perToken(n.outputs[0], DIMS.dIn) && productsBehind(dx).includes(n))).toHaveLength(2)
      })

      it("weighs the experts' codes in same-shape products, never a [rows, E, 1] factor broadcast over the rank", () => {
        const broadcast = nodes.filter((n) => n.op === 'Mul' && n.inputs.some((v) => v.shape.length > 1 && v.shape[v.rank - 1] === 1 && v.shape[0] === TOKENS))
        expect(broadcast.map((n) => n.inputs.map((v) => v.describe()).join(' × '))).toEqual([])
      })

      it('scales no per-token tensor by α/r (B is scaled)', () => {
        const isScalar = (v: Value) => v.rank === 0
        const scaled = nodes.filter((n) => n.op === 'Mul' && n.inputs.some(isScalar) && perToken(n.outputs[0], DIMS.dOut))
        expect(scaled.map((n) => n.outputs[0].describe())).toEqual([])
      })
    })
  }
})
