import { F, formatShape, isFloat, shapesEqual, type Node, type OpName, type Value } from '../ir'
import { AutodiffError, NotDifferentiableError } from './errors'
import { zeros } from './helpers'
import { Recomputation } from './recompute'
import { GRADIENT_RULES } from './registry'
import type { GradArgs, GradientRules, GradRule } from './rule'

export interface GradientOptions {
  /** dLoss to start from, shaped like `loss`; defaults to 1, which needs a scalar loss. */
  seed?: Value
  /** Rule table to use instead of GRADIENT_RULES (for tests and experiments). */
  rules?: GradientRules
  /**
   * Gradient checkpointing: the rules of a block's nodes (Graph.block) read a recomputation of
   * the block's forward, built into the backward pass, instead of its intermediates
   * (recompute.ts). The gradients are the same; what stays alive through the step shrinks to the
   * blocks' inputs and outputs.
   */
  recompute?: boolean
}

/**
 * Gradient flows along an edge (input -> node -> output) only between float tensors and never
 * through StopGradient: integer and bool tensors are piecewise constant, so comparisons,
 * indices and masks lie off every gradient path without needing a rule.
 */
function carries(node: Node, from: Value, to: Value): boolean {
  return node.op !== 'StopGradient' && isFloat(from.dtype) && isFloat(to.dtype)
}

/** Values that depend on `wrt` AND that `loss` depends on, along gradient-carrying edges. */
function valuesOnPath(nodes: readonly Node[], loss: Value, wrt: readonly Value[]): Set<Value> {
  const fromWrt = new Set<Value>(wrt)
  for (const node of nodes) {
    for (const out of node.outputs) {
      if (node.inputs.some((x) => fromWrt.has(x) && carries(node, x, out))) fromWrt.add(out)
    }
  }
  const toLoss = new Set<Value>([loss])
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]
    for (const x of node.inputs) {
      if (node.outputs.some((out) => toLoss.has(out) && carries(node, x, out))) toLoss.add(x)
    }
  }
  return new Set([...fromWrt].filter((v) => toLoss.has(v)))
}

/** Collects gradient contributions per value; fan-out is summed with Add when first read. */
class GradientStore {
  private readonly parts = new Map<Value, Value[]>()
  private readonly totals = new Map<Value, Value>()

  add(value: Value, grad: Value): void {
    if (this.totals.has(value)) throw new AutodiffError(`internal: gradient of ${value.describe()} was read before all contributions arrived`)
    const list = this.parts.get(value)
    if (list) list.push(grad)
    else this.parts.set(value, [grad])
  }

  total(value: Value): Value | null {
    const known = this.totals.get(value)
    if (known) return known
    const list = this.parts.get(value)
    if (!list) return null
    const sum = list.reduce((acc, g) => F.add(acc, g))
    this.totals.set(value, sum)
    return sum
  }
}

function checkArguments(loss: Value, wrt: readonly Value[], seed: Value | undefined): void {
  if (!isFloat(loss.dtype)) throw new AutodiffError(`loss ${loss.describe()} must be a float tensor`)
  if (!seed && loss.rank !== 0) throw new AutodiffError(`loss ${loss.describe()} must be a scalar (reduce it with F.sum/F.mean) or come with options.seed shaped like it`)
  if (seed && (seed.graph !== loss.graph || seed.dtype !== loss.dtype || !shapesEqual(seed.shape, loss.shape))) {
    throw new AutodiffError(`seed ${seed.describe()} must be in the loss's graph, with its dtype and shape (${loss.describe()})`)
  }
  for (const v of wrt) {
    if (v.graph !== loss.graph) throw new AutodiffError(`${v.describe()} belongs to another graph than the loss`)
    if (!isFloat(v.dtype)) throw new AutodiffError(`cannot differentiate with respect to ${v.describe()}: not a float tensor`)
  }
}

/**
 * Reverse-mode autodiff: appends to the loss's graph the nodes computing d(loss)/d(w) for
 * each w in `wrt`, and returns those gradients in order (each shaped like its w). Only nodes
 * on a path from `wrt` to `loss` are differentiated. A w the loss does not depend on gets
 * zeros. Gradient nodes are scoped "grad.<forward scope>" for naming and profiling.
 */
export function gradients(loss: Value, wrt: readonly Value[], options: GradientOptions = {}): Value[] {
  checkArguments(loss, wrt, options.seed)
  const graph = loss.graph
  const rules = options.rules ?? GRADIENT_RULES
  const forward = [...graph.nodes]
  const onPath = valuesOnPath(forward, loss, wrt)
  const store = new GradientStore()
  const wrtNames = wrt.map((v) => v.name ?? `%${v.id}`)
  if (onPath.has(loss)) store.add(loss, options.seed ?? graph.scalar(1, loss.dtype))
  const recomputation = options.recompute ? new Recomputation(graph) : null
  const wrtSet = new Set(wrt)
  recomputation?.after(loss)

  for (let i = forward.length - 1; i >= 0; i--) {
    const node = forward[i]
    const neededOutput = node.outputs.find((o) => onPath.has(o))
    if (!neededOutput) continue
    const rule = rules[node.op]
    if (rule === 'not-differentiable') throw new NotDifferentiableError(node.op, node.scope, neededOutput, wrtNames)
    const gradScope = node.scope ? `grad.${node.scope}` : 'grad'
    const [y] = node.outputs
    const dY = graph.scoped(gradScope, () => store.total(y) ?? zeros(graph, y.shape, y.dtype))
    // Built outside the grad scope: clones are named recompute.<their forward scope>.
    const read = recomputation && node.segment !== null ? recomputation.argsFor(node, dY) : node
    graph.scoped(gradScope, () => {
      const args: GradArgs<OpName> = { inputs: read.inputs, outputs: read.outputs, attrs: node.attrs, dY }
      const thunks = (rule as GradRule<OpName>)(args)
      node.inputs.forEach((x, k) => {
        if (!onPath.has(x)) return
        const thunk = thunks[k]
        if (!thunk) throw new AutodiffError(`the ${node.op} rule gives no gradient for input ${k} (${x.describe()}), which lies on the path to the loss${node.scope ? ` (scope ${node.scope})` : ''}`)
        const grad = thunk()
        if (grad.dtype !== x.dtype || !shapesEqual(grad.shape, x.shape)) {
          throw new AutodiffError(`the ${node.op} rule built a gradient ${grad.describe()} for input ${k} ${x.describe()}: expected ${x.dtype}${formatShape(x.shape)}`)
        }
        store.add(x, grad)
        if (wrtSet.has(x)) recomputation?.after(grad)
      })
    })
  }
  return wrt.map((v) => store.total(v) ?? zeros(graph, v.shape, v.dtype))
}
