// The engine's one source of randomness: every adapter init draws from it, so a run with the
// same seed starts from the same parameters on every machine.
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c),
// 32-bit arithmetic only, so JS computes it exactly. Its 128-bit state is filled from the seed
// by splitmix32 (the 32-bit variant of SplittableRandom's mixer, as the xoshiro authors
// recommend seeding from a different generator). Normal samples use Box-Muller.
//
// mulberry32 lives here too, the one copy of it: the sequences drawn from it must never change
// (a dataset's held-out rows for a seed, benchmark inputs, the tiny models and inputs tests build),
// so they keep it rather than move to Rng. New randomness uses Rng.

/** splitmix32 step: returns the next state and a well-mixed 32-bit output. */
function splitmix32(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) >>> 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
  return { state: next, value: (z ^ (z >>> 16)) >>> 0 }
}

/** FNV-1a over the UTF-16 code units of a key: a stable 32-bit hash for deriving streams. */
function hashKey(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0

export class Rng {
  private readonly s = new Uint32Array(4)
  /** Box-Muller yields normals in pairs; the second waits here. */
  private spareNormal: number | null = null

  /** A generator whose four state words are set directly (tests use the reference vectors). */
  static fromState(words: readonly [number, number, number, number]): Rng {
    if (words.every((w) => w >>> 0 === 0)) throw new Error('xoshiro128** state must not be all zero')
    const rng = new Rng(0)
    rng.s.set(words.map((w) => w >>> 0))
    return rng
  }

  /** Seeds the state from a 32-bit integer seed through splitmix32 (never all zero). */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`)
    let state = seed >>> 0
    for (let i = 0; i < 4; i++) {
      const step = splitmix32(state)
      state = step.state
      this.s[i] = step.value
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1
  }

  /**
   * An independent stream for `key` (e.g. a parameter's name): seeded from (seed, key) only,
   * so a tensor's initial values do not depend on which other tensors were drawn before it.
   */
  static derive(seed: number, key: string): Rng {
    return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ hashKey(key)) >>> 0)
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s = this.s
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0
    const t = (s[1] << 9) >>> 0
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = rotl(s[3], 11)
    return result
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextUint32() / 4294967296
  }

  /** Standard normal N(0, 1) by Box-Muller (u1 in (0, 1] so the log is finite). */
  standardNormal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal
      this.spareNormal = null
      return z
    }
    const u1 = 1 - this.uniform()
    const u2 = this.uniform()
    const radius = Math.sqrt(-2 * Math.log(u1))
    this.spareNormal = radius * Math.sin(2 * Math.PI * u2)
    return radius * Math.cos(2 * Math.PI * u2)
  }

  /** `count` draws from N(mean, std²) as float32. */
  normalArray(count: number, mean: number, std: number): Float32Array {
    const out = new Float32Array(count)
    for (let i = 0; i < count; i++) out[i] = mean + std * this.standardNormal()
    return out
  }
}

/**
 * mulberry32 (Tommy Ettinger, public domain): a stream of 32-bit unsigned integers from a 32-bit
 * seed. Small and fast; its sequences are fixed by the uses listed at the top of this file.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** Uniform floats in [0, 1) from mulberry32 (the integer over 2³²). */
export function seededUniform(seed: number): () => number {
  const next = mulberry32(seed)
  return () => next() / 4294967296
}
