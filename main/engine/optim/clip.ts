// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ computes it: the L2 norm over
// all gradients together; when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).

export interface ClipResult {
  /** The global norm before clipping (what training logs show as grad_norm). */
  norm: number
  /** The factor applied to every gradient (1 when not clipped). */
  scale: number
  /** Gradients holding NaN or ±Infinity; when any, nothing is scaled and the step should be skipped. */
  nonFinite: string[]
}

/** L2 norm over every gradient, accumulated in float64 in the order given. */
export function globalGradientNorm(grads: Readonly<Record<string, Float32Array>>): number {
  let sum = 0
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sum += g[i] * g[i]
  return Math.sqrt(sum)
}

/** Scales `grads` in place so that their global norm is at most `maxNorm` (null or Infinity: only measure). */
export function clipGradientsByGlobalNorm(grads: Readonly<Record<string, Float32Array>>, maxNorm: number | null): ClipResult {
  if (maxNorm !== null && !(maxNorm > 0)) throw new Error(`max_grad_norm ${maxNorm} must be > 0 (or null to disable clipping)`)
  const nonFinite = Object.entries(grads)
    .filter(([, g]) => g.some((v) => !Number.isFinite(v)))
    .map(([name]) => name)
  const norm = globalGradientNorm(grads)
  if (nonFinite.length > 0 || maxNorm === null || norm <= maxNorm) return { norm, scale: 1, nonFinite }
  const scale = maxNorm / (norm + 1e-6)
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] *= scale
  return { norm, scale, nonFinite }
}
