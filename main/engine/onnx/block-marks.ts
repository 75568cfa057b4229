// Which block's part of the step an intermediate belongs to, for a graph that recomputes its
// blocks (gradient checkpointing): the mark the emitter adds to the symbolic dims of its
// value_info (emit.ts, intermediateValueInfo).
//
// Why marks. onnxruntime's allocation planner lets a new tensor take the buffer of a dead one of
// provably the same shape, and then keeps that buffer from the first tensor's death to the second
// one's birth. Typed with the IR's own dims, every block's backward has the shapes of every other
// block's, so buffers freed in block 5's backward wait, idle, through block 4's recomputation for
// block 4's gradients: bench checkpointing's step added 3.2 GB at 8 × 2048 tokens where it adds
// 1.85 GB with its intermediates untyped. Untyped, though, ORT names each dim it cannot follow
// anew, the planner matches nothing, and it compares every new tensor with every dead one: a
// gemma-3-270m-shaped checkpointed step took 29 s to open. Dims marked per block part keep every
// reuse inside one block's forward, or inside one block's recomputation and backward, where the
// shapes repeat within a few nodes: the memory of the untyped graph, most of the typed one's
// planning speed (docs/ENGINE-NOTES.md has the figures).
import { RECOMPUTE_SCOPE } from '../autodiff/recompute'
import type { Node } from '../ir'

/** The prefix of the scopes of gradient nodes (autodiff/gradients.ts: "grad.<forward scope>"). */
const GRADIENT_SCOPE = 'grad'

/**
 * For a graph with recomputed blocks, each live node's mark: `f<k>` for the forward of the k-th
 * block, `b<k>` for its recomputation and gradient nodes, '' for the rest (embedding, head, loss,
 * what orders the recomputation). null for a graph without recomputed blocks: its intermediates
 * keep the IR's dims unmarked, which lets the planner reuse buffers across blocks at no cost, since
 * their activations are all kept anyway.
 */
export function recomputedBlockMarks(live: readonly Node[]): ReadonlyMap<Node, string> | null {
  if (!live.some((node) => node.scope?.split('.').includes(RECOMPUTE_SCOPE))) return null
  const ordinal = new Map<string, number>()
  for (const node of live) if (node.segment !== null && !ordinal.has(node.segment)) ordinal.set(node.segment, ordinal.size)
  const marks = new Map<Node, string>()
  for (const node of live) {
    if (node.segment !== null) {
      marks.set(node, `f${ordinal.get(node.segment)}`)
      continue
    }
    const block = backwardOf(node.scope, ordinal)
    marks.set(node, block === undefined ? '' : `b${block}`)
  }
  return marks
}

/** The ordinal of the block a recomputation or gradient node's scope ("…grad.<forward scope>", "…recompute.<forward scope>") names. */
function backwardOf(scope: string | null, ordinal: ReadonlyMap<string, number>): number | undefined {
  const parts = scope?.split('.') ?? []
  const at = parts.findIndex((p) => p === GRADIENT_SCOPE || p === RECOMPUTE_SCOPE)
  return at < 0 ? undefined : blockOf(parts.slice(at + 1).join('.'), ordinal)
}

/** The ordinal of the block whose scope `scope` is or lies in ("layers.3" holds "layers.3.attn", not "layers.30"). */
function blockOf(scope: string, ordinal: ReadonlyMap<string, number>): number | undefined {
  for (const [segment, k] of ordinal) if (scope === segment || scope.startsWith(`${segment}.`)) return k
  return undefined
}
