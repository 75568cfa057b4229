// The token-level softmax router shared by MoV and MoLoRA (docs/METHOD.md "MoV", "MoLoRA"):
//   p = softmax(x_r · W_gᵀ)      W_g: [E, d_r] (stored like a bias-free HF Linear), no bias
// plus the optional top-k selection, router statistics and the Switch-style load-balancing loss.
import { dimProduct, F, type Shape, type Value } from '../../ir'
import { zeros } from '../../autodiff'

export interface RoutingOptions {
  /** Keep the k largest probabilities and zero the rest; null = soft merging over all experts. */
  topK: number | null
  /** With topK: divide the kept probabilities by their sum (off in the reference code). */
  renormalize: boolean
}

export interface Routing {
  /** [..., E]: the router's logits x_r · W_gᵀ (the routing entropy reads them). */
  logits: Value
  /** [..., E]: the full softmax, before any top-k; what statistics and the balancing loss read. */
  probs: Value
  /** [..., E]: the weights that mix the experts (probs, or probs after top-k). */
  weights: Value
}

/**
 * Routes every row of `x` [..., d_r] with `router` [E, d_r]. Both must be in the adapter dtype
 * (float32 in training), so the softmax runs in float32 whatever the backbone's dtype. The rows
 * are flattened to one matrix first, so the router's gradient is a single [d_r, rows]·[rows, E]
 * product rather than a per-batch product summed afterwards.
 */
export function route(x: Value, router: Value, options: RoutingOptions): Routing {
  const lead = x.shape.slice(0, -1)
  const rows = F.reshape(x, [dimProduct(lead), x.shape[x.rank - 1]]) // [rows, d_r]
  return routeLogits(F.matmul(rows, F.transpose(router, [1, 0])), lead, options) // logits [rows, E]
}

/**
 * The routing of logits already computed as rows [rows, E] (MoLoRA takes them from the product
 * that gives its experts' codes), reported with the leading axes `lead` of the routed input.
 */
export function routeLogits(logits: Value, lead: Shape, options: RoutingOptions): Routing {
  const experts = logits.shape[logits.rank - 1]
  const probs = F.reshape(F.softmax(logits, -1), [...lead, experts]) // [..., E]
  const weights = options.topK === null ? probs : keepTopK(probs, options.topK, options.renormalize)
  return { logits: F.reshape(logits, [...lead, experts]), probs, weights }
}

/**
 * 1 at the k largest entries of each row of `probs` [..., E], 0 elsewhere, in probs' dtype.
 * Built by scattering ones at TopK's int64 indices (ties keep the lower index), so no gradient
 * flows through the selection, and no integer comparison is needed: onnxruntime's WebGPU
 * provider runs TopK and ScatterElements but has no int64 Equal kernel.
 */
export function topKMask(probs: Value, k: number): Value {
  const { indices } = F.topk(probs, k, -1) // [..., k] int64
  const ones = F.expand(probs.graph.scalar(1, probs.dtype), indices.shape) // [..., k]
  return F.scatterElementsAdd(zeros(probs.graph, probs.shape, probs.dtype), indices, ones, -1) // [..., E]
}

/**
 * Zeroes all but the k largest probabilities of each row (paper ablation, docs/METHOD.md). Gradient
 * flows only through the kept probabilities, as in the reference code.
 */
export function keepTopK(probs: Value, k: number, renormalize: boolean): Value {
  const experts = probs.shape[probs.rank - 1]
  if (typeof experts === 'number' && k >= experts) return probs
  const kept = F.mul(probs, topKMask(probs, k)) // [..., E]
  return renormalize ? F.div(kept, F.sum(kept, [-1], true)) : kept
}

/**
 * Per-routing-unit weights [..., 1] (rank of probs): the token mask [batch, seq] spread over
 * the remaining leading axes (heads at k/v sites), or ones when there is no mask.
 */
function unitWeights(probs: Value, tokenMask: Value | null): Value {
  const lead = probs.shape.slice(0, -1)
  const g = probs.graph
  if (!tokenMask) return F.expand(g.scalar(1, probs.dtype), [...lead, 1])
  const mask = F.cast(tokenMask, probs.dtype)
  const spread = F.reshape(mask, [...mask.shape, ...Array<number>(probs.rank - 2).fill(1)]) // [batch, seq, 1...]
  return F.expand(spread, [...lead, 1]) // [..., 1]
}

/** Weighted mean over every leading axis of `v` [..., n] -> [n]; an empty batch gives 0, not NaN. */
function maskedMean(v: Value, weights: Value): Value {
  const axes = v.shape.slice(0, -1).map((_, i) => i)
  const total = F.sum(F.mul(v, weights), axes) // [n]
  const count = F.maximum(F.sum(weights, axes), 1) // [1]
  return F.div(total, count)
}

/** Mean routing probability per expert over real tokens: [E], summing to 1 (P_e of the balancing loss). */
export function expertLoad(probs: Value, tokenMask: Value | null): Value {
  return maskedMean(probs, unitWeights(probs, tokenMask))
}

/**
 * Mean over real tokens of the routing entropy −Σ_e p_e·ln p_e: 0 when every token picks one
 * expert outright, ln E when routing is uniform. Read from the logits z that produced p: with
 * ln p_e = z_e − lse(z) and lse(z) = z_max − ln p_max,
 *   H = Σ_e p_e·(z_max − z_e) − ln p_max
 * This takes one log per routing unit instead of E. The statistics are graph outputs computed
 * every train step, and the log over [units, E] was their main cost (about a tenth of MoV's
 * extra time at E=60). Both terms are ≥ 0, and p_max ≥ 1/E cannot underflow, so no floor is
 * needed where an underflowed p_e would make −p_e·ln p_e NaN.
 */
export function routingEntropy(routing: Pick<Routing, 'logits' | 'probs'>, tokenMask: Value | null): Value {
  const { logits, probs } = routing
  const gap = F.sub(F.max(logits, [-1], true), logits) // [..., E] z_max − z_e ≥ 0
  const lnMaxProb = F.log(F.max(probs, [-1], true)) // [..., 1]
  const perUnit = F.sub(F.sum(F.mul(probs, gap), [-1], true), lnMaxProb) // [..., 1]
  return F.reshape(maskedMean(perUnit, unitWeights(probs, tokenMask)), [])
}

/**
 * Switch Transformer's load-balancing loss (Fedus et al. 2021, eq. 4; docs/METHOD.md MoV):
 * E · Σ_e f_e · P_e, f_e = fraction of real tokens whose top-1 expert is e (no gradient),
 * P_e = mean probability of e. At k/v sites each (token, head) pair is one routing unit.
 * Equals 1 under perfectly balanced routing.
 */
export function loadBalancingLoss(probs: Value, tokenMask: Value | null): Value {
  const experts = probs.shape[probs.rank - 1]
  if (typeof experts !== 'number') throw new Error(`loadBalancingLoss: the expert axis of ${probs.describe()} must be static`)
  const weights = unitWeights(probs, tokenMask)
  const top1 = topKMask(probs, 1) // [..., E] one-hot of each unit's top-1 expert
  const fraction = maskedMean(top1, weights) // [E]
  const meanProb = maskedMean(probs, weights) // [E]
  return F.mul(F.sum(F.mul(fraction, meanProb), [0]), experts)
}
