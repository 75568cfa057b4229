import { seededUniform } from '../engine/random'

/** Median and best of `reps` timed calls after `warmup` untimed ones (seconds). */
export interface Timing { median: number; best: number; samples: number[] }

export async function timeRepeated(fn: () => Promise<unknown>, reps: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn()
  const samples: number[] = []
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint()
    await fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1e9)
  }
  return { median: median(samples), best: Math.min(...samples), samples }
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32). */
export function randomFloats(n: number, scale: number, seed: number): Float32Array {
  const random = seededUniform(seed)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale
  return out
}
