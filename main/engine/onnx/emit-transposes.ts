// Where emission absorbs transposes, so that a frozen weight is read in place and never copied.
//
// nn/linear computes x·Wᵀ with W in Hugging Face layout [out, in], and the MatMul gradient adds
// a second transpose for dX = dY·(Wᵀ)ᵀ. Emitted literally, onnxruntime's constant folding turns
// Transpose(W) and Transpose(Transpose(W)) into two new heap initializers (each as large as W)
// at session creation, while W itself stays mapped: measured 2.8× the weight bytes for a
// Llama-style train step (main/bench/train-memory.ts). So emission:
// - collapses a chain of Transposes into one Transpose of its root, or into the root itself when
//   the permutations cancel (dY·(Wᵀ)ᵀ becomes MatMul(dY, W));
// - emits x·Bᵀ with a rank-2 B as Gemm(x, B, transB=1) (x flattened to 2-D and back), which
//   reads B [out, in] as it is stored. Gemm and MatMul are standard ops on every provider.
import type { Node, Value } from '../ir'
import { attr, type EmitContext } from './emit-context'

/** A Transpose output seen through its chain: Transpose(root, perm). */
interface TransposeView { root: Value; perm: readonly number[] }

export interface TransposePlan {
  /** Transpose outputs whose chain's permutations cancel: they are the root itself. */
  readonly aliases: ReadonlyMap<Value, Value>
  /** Transposes of a Transpose: emitted as one Transpose of the chain's root. */
  readonly collapsed: ReadonlyMap<Node, TransposeView>
  /** MatMul(x, Transpose(B, [1, 0])) with rank-2 B and a static inner dim: emitted as Gemm(x, B, transB=1). */
  readonly gemmTransB: ReadonlyMap<Node, Value>
}

/** `nodes` in build (topological) order; `graphOutputs` are never aliased (they need a producer of their own). */
export function planTransposes(nodes: readonly Node[], graphOutputs: ReadonlySet<Value>): TransposePlan {
  const views = new Map<Value, TransposeView>()
  const aliases = new Map<Value, Value>()
  const collapsed = new Map<Node, TransposeView>()
  const gemmTransB = new Map<Node, Value>()
  for (const node of nodes) {
    if (node.op === 'Transpose') {
      const input = node.inputs[0]
      const base = views.get(input)
      const perm = (node.attrs as { perm: readonly number[] }).perm
      const view: TransposeView = base ? { root: base.root, perm: perm.map((p) => base.perm[p]) } : { root: input, perm }
      const out = node.outputs[0]
      views.set(out, view)
      if (isIdentity(view.perm) && !graphOutputs.has(out)) aliases.set(out, view.root)
      else if (base) collapsed.set(node, view)
    } else if (node.op === 'MatMul') {
      const view = views.get(node.inputs[1])
      if (view && view.root.rank === 2 && view.perm[0] === 1 && view.perm[1] === 0 && typeof view.root.shape[1] === 'number') gemmTransB.set(node, view.root)
    }
  }
  return { aliases, collapsed, gemmTransB }
}

/** The values a node is emitted with: aliases resolved, absorbed transposes skipped. */
export function emittedInputs(plan: TransposePlan, node: Node): readonly Value[] {
  const resolve = (v: Value) => plan.aliases.get(v) ?? v
  const root = plan.collapsed.get(node)?.root
  if (root) return [resolve(root)]
  const b = plan.gemmTransB.get(node)
  if (b) return [resolve(node.inputs[0]), resolve(b)]
  return node.inputs.map(resolve)
}

/**
 * y = x·Bᵀ as Gemm(x2, B, transB=1), x2 = x as [rows, in]; y reshaped back to [..., out].
 * `inputs` are the emitted names of x and B.
 */
export function emitGemmTransB(ctx: EmitContext, name: string, node: Node, inputs: readonly string[], output: string): void {
  const x = node.inputs[0]
  const gemmAttrs = [attr.int('transB', 1)]
  if (x.rank === 2) {
    ctx.addNode(name, 'Gemm', inputs, [output], gemmAttrs)
    return
  }
  const inner = node.inputs[1].shape[0] as number // [in, out] view of B [out, in]
  const rows = ctx.helper(`${name}/rows`, 'Reshape', [inputs[0], ctx.int64s([-1, inner])]) // [rows, in]
  const product = ctx.helper(`${name}/gemm`, 'Gemm', [rows, inputs[1]], gemmAttrs) // [rows, out]
  ctx.addNode(name, 'Reshape', [product, outputShape(ctx, node, inputs[0])], [output])
}

/** [..., out] as a constant when at most one dim is symbolic (-1), else x's leading dims read at run time. */
function outputShape(ctx: EmitContext, node: Node, xName: string): string {
  const shape = node.outputs[0].shape
  const symbolic = shape.filter((d) => typeof d !== 'number').length
  if (symbolic <= 1 && !shape.includes(0)) return ctx.int64s(shape.map((d) => (typeof d === 'number' ? d : -1)))
  const out = shape[shape.length - 1] as number
  return ctx.cached(`gemm_shape:${xName}:${out}`, () => {
    const leading = ctx.cached(`leading_shape:${xName}`, () => ctx.helper(`shape/${xName}[:-1]`, 'Shape', [xName], [attr.int('start', 0), attr.int('end', -1)]))
    return ctx.helper(`shape/${xName}[:-1]+[${out}]`, 'Concat', [leading, ctx.int64s([out])], [attr.int('axis', 0)])
  })
}

function isIdentity(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i)
}
