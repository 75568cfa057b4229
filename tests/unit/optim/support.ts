// Shared by the optimizer tests: seeded gradients and float comparisons.
import { Rng } from '../../../main/engine/random'

export function randomArray(seed: number, n: number, scale = 1): Float32Array {
  const rng = new Rng(seed)
  return Float32Array.from({ length: n }, () => scale * rng.standardNormal())
}

/** Largest |a − b| / max(1e-3, |b|). */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])))
  return m
}
