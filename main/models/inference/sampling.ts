// Choosing the next token from a row of logits: greedy, or temperature + nucleus (top-p) sampling
// from a seeded stream, so the same seed gives the same text.
import { Rng } from '../../engine/random'

export interface SamplingOptions {
  /** 0 (default) picks the most likely token; above 0 samples from softmax(logits / temperature). */
  temperature?: number
  /** Sample only from the smallest set of most likely tokens whose probability reaches top_p (default 1). */
  topP?: number
  seed?: number
}

export function checkSampling(o: SamplingOptions): void {
  const t = o.temperature ?? 0
  const p = o.topP ?? 1
  if (!(Number.isFinite(t) && t >= 0)) throw new RangeError(`temperature must be a number >= 0, got ${t}`)
  if (!(p > 0 && p <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${p}`)
}

/** Index of the largest value (the first one on ties, as torch.argmax). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i
  return best
}

export class TokenSampler {
  private readonly rng: Rng
  private readonly temperature: number
  private readonly topP: number

  constructor(o: SamplingOptions) {
    checkSampling(o)
    this.temperature = o.temperature ?? 0
    this.topP = o.topP ?? 1
    this.rng = new Rng(o.seed ?? 0)
  }

  next(logits: ArrayLike<number>): number {
    if (this.temperature === 0) return argmax(logits)
    const max = logits[argmax(logits)]
    const order = Array.from({ length: logits.length }, (_, i) => i)
    const weights = Float64Array.from(order, (i) => Math.exp((logits[i] - max) / this.temperature))
    order.sort((a, b) => weights[b] - weights[a] || a - b)
    const total = weights.reduce((a, b) => a + b, 0)
    // The nucleus: most likely first, until their share reaches top_p.
    let kept = 0
    let mass = 0
    while (kept < order.length && mass < this.topP * total) mass += weights[order[kept++]]
    let u = this.rng.uniform() * mass
    for (let i = 0; i < kept; i++) {
      u -= weights[order[i]]
      if (u < 0) return order[i]
    }
    return order[kept - 1]
  }
}
