// The low-rank update LoRA and MoLoRA share (docs/METHOD.md "LoRA", "MoLoRA"):
//   LoRA:    Δ = (α/r) · B(A x)
//   MoLoRA:  Δ = (α/r) · Σ_e p_e · B_e(A_e x),  p = softmax(W_g x)
// All experts run as two matmuls whatever E is: A stacked as [E·r, in] gives every expert's
// rank-r code in one product, the codes are weighted by p_e, and B stacked as [out, E·r]
// sums the weighted experts' outputs in the second product (mixing outputs, as the reference
// code does, because Σ_e p_e B_e h_e = [B_1 … B_E] · [p_1 h_1; …; p_E h_E]).
// LoRA is the E = 1 case without a router, so MoLoRA with one expert computes what LoRA computes.
//
// Each pass over x [rows, in] or over [rows, out] costs about as much as the thin products
// themselves (they read as many bytes as they multiply), so the update makes as few as it can:
// - the router's rows W_g join A's in the first product, so x is read once forward, once for the
//   gradients of A and W_g together, and x's gradient is one product, not two products added;
// - α/r scales B (parameter-sized) instead of the [rows, out] update and, again, its gradient.
import { dimProduct, F, formatShape, type Value } from '../../ir'
import type { ProjectionSite } from '../sites'

export interface LowRankFactors {
  /** [E·r, in]: expert e's A_e in rows e·r … e·r + r − 1. */
  a: Value
  /** [out, E·r]: expert e's B_e in columns e·r … e·r + r − 1. */
  b: Value
  experts: number
  rank: number
}

/** The router of a mixture of low-rank experts. */
export interface LowRankRouter {
  /** [E, in]: logits = x · weightᵀ. */
  weight: Value
  /** The experts' weights [rows, E] (or the same values shaped [..., E]) from the logits [rows, E]. */
  weigh(logits: Value): Value
}

/**
 * (α/r) · Σ_e w_e · B_e(A_e x) for x [..., in] in the adapter dtype -> [..., out], where
 * w = router.weigh(x · W_gᵀ); without a router, the single unweighted expert of LoRA.
 * Tokens are flattened to rows first, so the gradients of A and B are single
 * [in, rows]·[rows, E·r] and [E·r, rows]·[rows, out] products, never per-batch partials.
 */
export function lowRankUpdate(x: Value, factors: LowRankFactors, router: LowRankRouter | null, scale: number): Value {
  const { a, b, experts, rank } = factors
  const lead = x.shape.slice(0, -1)
  const rows = dimProduct(lead)
  const codeColumns = experts * rank
  const flat = F.reshape(x, [rows, x.shape[x.rank - 1]]) // [rows, in]
  const readers = router ? F.concat([a, router.weight], 0) : a // [E·r (+ E), in]
  const projected = F.matmul(flat, F.transpose(readers, [1, 0])) // [rows, E·r (+ E)]
  let codes = projected // [rows, E·r]
  if (router) {
    codes = F.slice(projected, 1, 0, codeColumns)
    const weights = router.weigh(F.slice(projected, 1, codeColumns, codeColumns + experts)) // [rows, E]
    // Each expert's weight spread over its r code columns by a product with a 0/1 matrix, then one
    // same-shape product: onnxruntime broadcasts a [rows, E, 1] factor over [rows, E, r] in spans of
    // r, about 5× slower per value than a same-shape Mul (profile). Exact: each value is w·1 plus zeros.
    const spread = F.matmul(F.reshape(weights, [rows, experts]), expertSpread(x, experts, rank)) // [rows, E·r]
    codes = F.mul(codes, spread) // [rows, E·r]
  }
  const out = F.matmul(codes, F.mul(F.transpose(b, [1, 0]), scale)) // [rows, out]
  return F.reshape(out, [...lead, out.shape[1]]) // [..., out]
}

/** [E, E·r] in x's dtype: row e is 1 in columns e·r … e·r + r − 1, else 0. */
function expertSpread(x: Value, experts: number, rank: number): Value {
  const data = new Float32Array(experts * experts * rank)
  for (let e = 0; e < experts; e++) data.fill(1, e * experts * rank + e * rank, e * experts * rank + (e + 1) * rank)
  return x.graph.constant(data, x.dtype, [experts, experts * rank])
}

/** Checks x and the base output against the site's declared features; names the site. */
export function checkProjection(site: ProjectionSite, x: Value, y: Value): void {
  const inDim = x.shape[x.rank - 1]
  const outDim = y.shape[y.rank - 1]
  if (inDim !== site.inFeatures || outDim !== site.outFeatures) {
    throw new Error(
      `adapter site ${site.module} (${site.name}): declared ${site.inFeatures} -> ${site.outFeatures} features, but x is ${x.describe()} ` +
        `and base(x) is ${y.describe()} (last axes ${formatShape([inDim])} -> ${formatShape([outDim])})`,
    )
  }
}

/** base(x) + Δ, with Δ computed by `update` on x in the adapter dtype and added in base(x)'s dtype. */
export function addToProjection(site: ProjectionSite, x: Value, base: (x: Value) => Value, dtype: 'float32' | 'float64', update: (x: Value) => Value): Value {
  const y = base(x)
  checkProjection(site, x, y)
  return F.add(y, F.cast(update(F.cast(x, dtype)), y.dtype))
}
