// docs/METHOD.md's formulas written out as plain float64 loops, independent of the engine, for
// comparing what the adapter graphs compute. Arrays are row-major; leading axes are "units"
// (tokens, or token×head at k/v sites).

export interface Routed {
  /** Full softmax per unit: [units, E]. */
  probs: Float64Array
  /** Mixing weights after optional top-k: [units, E]. */
  weights: Float64Array
}

/** p = softmax(x·Wᵀ) per unit; x [units, d], W [E, d]; then top-k zeroing (and renormalising). */
export function plainRoute(x: ArrayLike<number>, w: ArrayLike<number>, units: number, d: number, E: number, topK: number | null, renormalize: boolean): Routed {
  const probs = new Float64Array(units * E)
  const weights = new Float64Array(units * E)
  for (let u = 0; u < units; u++) {
    const logits = Array.from({ length: E }, (_, e) => {
      let s = 0
      for (let i = 0; i < d; i++) s += x[u * d + i] * w[e * d + i]
      return s
    })
    const max = Math.max(...logits)
    const exps = logits.map((l) => Math.exp(l - max))
    const z = exps.reduce((a, b) => a + b, 0)
    const p = exps.map((v) => v / z)
    let kept = p
    if (topK !== null && topK < E) {
      const order = p.map((_, e) => e).sort((a, b) => p[b] - p[a] || a - b)
      const keep = new Set(order.slice(0, topK))
      kept = p.map((v, e) => (keep.has(e) ? v : 0))
      if (renormalize) {
        const s = kept.reduce((a, b) => a + b, 0)
        kept = kept.map((v) => v / s)
      }
    }
    p.forEach((v, e) => (probs[u * E + e] = v))
    kept.forEach((v, e) => (weights[u * E + e] = v))
  }
  return { probs, weights }
}

/** (IA)³: y = x ⊙ l with l broadcast over units; x [units, n], l [n]. */
export function plainIa3(x: ArrayLike<number>, l: ArrayLike<number>, units: number, n: number): Float64Array {
  const y = new Float64Array(units * n)
  for (let u = 0; u < units; u++) for (let i = 0; i < n; i++) y[u * n + i] = x[u * n + i] * l[i]
  return y
}

/**
 * MoV at a k/v site: x [tokens, H, Dh], vectors [H, E, Dh], router [E, Dh]; each (token, head)
 * routed on its own Dh-vector; y = x ⊙ Σ_e p_e·vectors[h, e].
 */
export function plainMovHeads(x: ArrayLike<number>, vectors: ArrayLike<number>, router: ArrayLike<number>, tokens: number, H: number, Dh: number, E: number, topK: number | null, renormalize: boolean): { y: Float64Array; routed: Routed } {
  const routed = plainRoute(x, router, tokens * H, Dh, E, topK, renormalize)
  const y = new Float64Array(tokens * H * Dh)
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < H; h++) {
      const unit = t * H + h
      for (let d = 0; d < Dh; d++) {
        let m = 0
        for (let e = 0; e < E; e++) m += routed.weights[unit * E + e] * vectors[(h * E + e) * Dh + d]
        y[unit * Dh + d] = x[unit * Dh + d] * m
      }
    }
  }
  return { y, routed }
}

/** MoV at the FFN site: x [tokens, F], vectors [E, F], router [E, F]. */
export function plainMovFfn(x: ArrayLike<number>, vectors: ArrayLike<number>, router: ArrayLike<number>, tokens: number, F: number, E: number, topK: number | null, renormalize: boolean): { y: Float64Array; routed: Routed } {
  const routed = plainRoute(x, router, tokens, F, E, topK, renormalize)
  const y = new Float64Array(tokens * F)
  for (let t = 0; t < tokens; t++) {
    for (let i = 0; i < F; i++) {
      let m = 0
      for (let e = 0; e < E; e++) m += routed.weights[t * E + e] * vectors[e * F + i]
      y[t * F + i] = x[t * F + i] * m
    }
  }
  return { y, routed }
}

/** base + (α/r)·Σ_e w_e·B_e(A_e x); x [tokens, in], A [E, r, in], B [E, out, r], weights [tokens, E] or null (LoRA). */
export function plainLowRank(x: ArrayLike<number>, base: ArrayLike<number>, A: ArrayLike<number>, B: ArrayLike<number>, weights: ArrayLike<number> | null, tokens: number, dIn: number, dOut: number, E: number, r: number, alpha: number): Float64Array {
  const y = Float64Array.from(base)
  for (let t = 0; t < tokens; t++) {
    for (let e = 0; e < E; e++) {
      const w = weights ? weights[t * E + e] : 1
      const h = Array.from({ length: r }, (_, j) => {
        let s = 0
        for (let i = 0; i < dIn; i++) s += A[(e * r + j) * dIn + i] * x[t * dIn + i]
        return s
      })
      for (let o = 0; o < dOut; o++) {
        let s = 0
        for (let j = 0; j < r; j++) s += B[(e * dOut + o) * r + j] * h[j]
        y[t * dOut + o] += (alpha / r) * w * s
      }
    }
  }
  return y
}

/** y = x·Wᵀ + b; x [tokens, in], W [out, in]. */
export function plainLinear(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number>, tokens: number, dIn: number, dOut: number): Float64Array {
  const y = new Float64Array(tokens * dOut)
  for (let t = 0; t < tokens; t++) {
    for (let o = 0; o < dOut; o++) {
      let s = b[o]
      for (let i = 0; i < dIn; i++) s += W[o * dIn + i] * x[t * dIn + i]
      y[t * dOut + o] = s
    }
  }
  return y
}

/**
 * Router statistics and the Switch balancing loss over units with weights `unitWeight` (1 real,
 * 0 padding): load P_e, mean entropy, and E·Σ f_e·P_e with f_e from each unit's top-1.
 */
export function plainRouterStats(probs: ArrayLike<number>, unitWeight: ArrayLike<number>, units: number, E: number): { load: number[]; entropy: number; balance: number } {
  const load = new Array<number>(E).fill(0)
  const top1 = new Array<number>(E).fill(0)
  let entropy = 0
  let count = 0
  for (let u = 0; u < units; u++) {
    const w = unitWeight[u]
    count += w
    let best = 0
    let h = 0
    for (let e = 0; e < E; e++) {
      const p = probs[u * E + e]
      load[e] += w * p
      if (p > probs[u * E + best]) best = e
      if (p > 0) h -= p * Math.log(p)
    }
    top1[best] += w
    entropy += w * h
  }
  const n = Math.max(count, 1)
  const P = load.map((v) => v / n)
  const f = top1.map((v) => v / n)
  return { load: P, entropy: entropy / n, balance: E * P.reduce((s, p, e) => s + p * f[e], 0) }
}
