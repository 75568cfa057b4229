// Token batches in, logits out. Padding is given by the attention mask (1 = real token, 0 = pad):
// pads are never attended to, and a real token's position is the number of real tokens before it
// (what transformers' generate() derives from the mask), so a padded row gives the same logits at
// its real positions as the same tokens unpadded, whichever side the padding is on.
// Logits at pad positions are NaN: they mean nothing, and a comparison must skip them.

export interface TokenBatch {
  /** [B][T] token ids (pads may be any valid id). */
  ids: number[][]
  /** [B][T] 1 for real tokens, 0 for pads; all ones when omitted. */
  mask?: number[][]
}

export interface Logits {
  /** [B, T, vocab] */
  shape: [number, number, number]
  data: Float64Array
  /** The vocab-sized row of logits at (b, t). */
  at(b: number, t: number): Float64Array
}

export interface Row {
  ids: number[]
  real: boolean[]
  /** Position of each token among the real ones (pads get the position of the next real token). */
  positions: number[]
}

export function rowsOf(batch: TokenBatch): Row[] {
  const length = batch.ids[0]?.length ?? 0
  return batch.ids.map((ids, b) => {
    if (ids.length !== length) throw new Error(`reference: row ${b} has ${ids.length} tokens, row 0 has ${length}`)
    const mask = batch.mask?.[b] ?? ids.map(() => 1)
    if (mask.length !== length) throw new Error(`reference: mask row ${b} has ${mask.length} entries for ${length} tokens`)
    const real = mask.map((m) => m !== 0)
    let seen = 0
    const positions = real.map((r) => (r ? seen++ : seen))
    return { ids, real, positions }
  })
}

/** Stacks per-row logits [T, vocab] into a batch, NaN at pad positions. */
export function stackLogits(rows: readonly Row[], perRow: readonly Float64Array[], vocab: number): Logits {
  const length = rows[0]?.ids.length ?? 0
  const data = new Float64Array(rows.length * length * vocab)
  rows.forEach((row, b) => {
    for (let t = 0; t < length; t++) {
      const target = data.subarray((b * length + t) * vocab, (b * length + t + 1) * vocab)
      if (row.real[t]) target.set(perRow[b].subarray(t * vocab, (t + 1) * vocab))
      else target.fill(NaN)
    }
  })
  return { shape: [rows.length, length, vocab], data, at: (b, t) => data.subarray((b * length + t) * vocab, (b * length + t + 1) * vocab) }
}
