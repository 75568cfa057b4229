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
  const sorted = [...samples].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], best: sorted[0], samples }
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32). */
export function randomFloats(n: number, scale: number, seed: number): Float32Array {
  let a = seed >>> 0
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale
  }
  return out
}
