// Gradient checkpointing (docs/DESIGN.md "The training engine"): the backward of a block
// (Graph.block, one transformer layer) reads a recomputation of the block's forward instead of
// the forward's own intermediates, so onnxruntime, which frees a value after its last reader,
// keeps only what crosses block boundaries (each block's inputs and outputs) through the step,
// plus one block's recomputed activations at a time.
//
// The rule of a node of block S sees its inputs/outputs through `value`: a value that S computes
// from a *tied* input is a clone (the same op re-applied, memoised); anything else is the original
// (weights, graph inputs, constants, values of other blocks or of no block, and values of S that
// depend on none of its float inputs: a clone of those would be the same computation).
//
// Tied inputs. A clone must not be the forward node again: ORT's common-subexpression elimination
// would merge the two, and its topological order could run a clone early and keep it through the
// later blocks' backward, which gives the memory back. So the float values S reads from outside
// enter its clones as tied(x) = x + t_S, where t_S is a float 0 computed from dY of the first node
// of S the reverse loop reaches (the block's output side: its dY needs the whole backward of the
// later blocks). No forward node reads tied(x), and nothing built on it can run before that dY.
//
// t_S = Cast(Less(max(dY), -inf)): always false, so t_S is exactly 0 whatever dY holds, even
// NaN or inf (0·sum(dY) would be NaN then, and a sum of finite fp16 gradients can overflow: the
// fp16 loss scaler would take that for an overflow of the step and halve its scale for nothing).
// x + 0 is exactly x (−0 becomes +0, which no model op tells apart), so gradients are unchanged.
//
// t_S also reads the values `after` was given since the previous block began: the parameter
// gradients of that block and, for the first block, the loss. onnxruntime orders nodes by a depth-
// first walk from the outputs, which put a parameter-gradient MatMul (a router's xᵀ·dlogits) and
// the loss's own reduction after the whole backward, keeping their [batch, seq, ·] inputs (and
// the [batch, seq, vocab] log-probabilities) alive through it; reading them here runs them first.
//
// Values of S read outside S (the block output, router load/entropy statistics, a load-balancing
// loss's router probabilities) are ordinary forward values and stay alive as they would without
// checkpointing; T5's position biases are built before the first block and enter every block as
// tied inputs. Clones a rule never reads are left unread: emission and the reference interpreter
// run only the nodes the outputs depend on.
import { F, isFloat, type Graph, type Node, type Value } from '../ir'
import { zeroAfter } from './helpers'

/** The scope of every node gradient checkpointing adds (clones, ties, ordering): `recompute.<forward scope>`. */
export const RECOMPUTE_SCOPE = 'recompute'

interface SegmentState {
  /** t_S: exactly 0, ordered after the backward of the later blocks. */
  readonly zero: Value
  readonly tied: Map<Value, Value>
}

export class Recomputation {
  private readonly segments = new Map<string, SegmentState>()
  /** Values the next block's t_S must wait for (see above). */
  private pending: Value[] = []
  private readonly clones = new Map<Node, readonly Value[]>()
  private readonly dependsMemo = new Map<Node, boolean>()
  /** Every node this recomputation added (clones and the tie nodes), for tests and inspection. */
  readonly added = new Set<Node>()

  constructor(private readonly graph: Graph) {}

  /**
   * The inputs/outputs the rule of `node` (of a block) must read; `dY` is its output gradient,
   * the first one of its block that sets the block's t_S.
   */
  argsFor(node: Node, dY: Value): { inputs: readonly Value[]; outputs: readonly Value[] } {
    const segment = node.segment!
    if (!this.segments.has(segment)) {
      const waitFor = [dY, ...this.pending]
      this.pending = []
      this.segments.set(segment, { zero: this.track(() => alwaysZero(waitFor)), tied: new Map() })
    }
    return { inputs: node.inputs.map((v) => this.value(v, segment)), outputs: node.outputs.map((v) => this.value(v, segment)) }
  }

  /** `v` (a parameter gradient, the loss) must be computed before the next block's recomputation starts. */
  after(v: Value): void {
    if (isFloat(v.dtype)) this.pending.push(v)
  }

  /** What a rule of block `segment` reads for `v`: a clone when S computes v from a tied input. */
  private value(v: Value, segment: string): Value {
    if (v.origin.kind !== 'node') return v
    const producer = v.origin.node
    if (producer.segment !== segment || !this.dependsOnTied(producer)) return v
    return this.clone(producer)[v.origin.index]
  }

  /** Whether `node` (of its block) reads, directly or through nodes of the block, a float value from outside it. */
  private dependsOnTied(node: Node): boolean {
    const known = this.dependsMemo.get(node)
    if (known !== undefined) return known
    const result = node.inputs.some((x) => {
      if (x.origin.kind !== 'node') return false
      const producer = x.origin.node
      return producer.segment === node.segment ? this.dependsOnTied(producer) : isFloat(x.dtype)
    })
    this.dependsMemo.set(node, result)
    return result
  }

  private clone(node: Node): readonly Value[] {
    const known = this.clones.get(node)
    if (known) return known
    const segment = node.segment!
    const inputs = node.inputs.map((x) => this.value(x, segment))
    // Outside float inputs are tied only when no input already comes from a clone: one read of
    // t_S per clone suffices, and the big ones (attention bias) are then read as they are.
    const fromClone = inputs.some((x, k) => x !== node.inputs[k])
    const tiedInputs = fromClone ? inputs : inputs.map((x) => (isOutsideFloat(x, segment) ? this.tied(x, segment) : x))
    const outputs = this.track(() => this.graph.scoped(`${RECOMPUTE_SCOPE}.${node.scope ?? segment}`, () => this.graph.apply(node.op, tiedInputs, node.attrs)))
    this.clones.set(node, outputs)
    return outputs
  }

  private tied(x: Value, segment: string): Value {
    const state = this.segments.get(segment)!
    let tied = state.tied.get(x)
    if (!tied) {
      tied = this.track(() => this.graph.scoped(`${RECOMPUTE_SCOPE}.${segment}.tie`, () => F.add(x, F.cast(state.zero, x.dtype))))
      state.tied.set(x, tied)
    }
    return tied
  }

  /** Runs `build` and records the nodes it added. */
  private track<T>(build: () => T): T {
    const from = this.graph.nodes.length
    const result = build()
    this.graph.nodes.slice(from).forEach((n) => this.added.add(n))
    return result
  }
}

function isOutsideFloat(x: Value, segment: string): boolean {
  return x.origin.kind === 'node' && x.origin.node.segment !== segment && isFloat(x.dtype)
}

/** t_S: see zeroAfter (helpers.ts). */
function alwaysZero(values: readonly Value[]): Value {
  return values[0].graph.scoped(`${RECOMPUTE_SCOPE}.order`, () => zeroAfter(values))
}
