// Packing: the next-fit plan over the epoch order (deterministic, resumable, every example once
// per epoch) and the feeds of a packed batch (segment ids, positions, labels that never cross
// from one example into the next).
import { describe, expect, it } from 'vitest'
import { BatchOrder, makeBatch, START_POSITION, type BatchLayout, type DataPosition, type TrainingExample } from '../../../main/train/batches'
import { describePacking, makePackedBatch, PackedBatchOrder, packingStats, packRows } from '../../../main/train/packing'
import type { HostTensor } from '../../../main/runtime'

function example(line: number, ids: number[], trained: number[] = ids.map(() => 1)): TrainingExample {
  return { line, inputIds: Int32Array.from(ids), trained: Uint8Array.from(trained) }
}

/** Examples of the given lengths, ids line*100 + t so every token says where it came from. */
function examplesOfLengths(lengths: readonly number[]): TrainingExample[] {
  return lengths.map((n, i) => example(i + 1, Array.from({ length: n }, (_, t) => (i + 1) * 100 + t)))
}

/** A [height, width] int64 feed as nested numbers. */
function matrix(t: HostTensor): number[][] {
  if (t.dtype !== 'int64') throw new Error(`expected int64, got ${t.dtype}`)
  const [height, width] = t.shape
  return Array.from({ length: height }, (_, b) => Array.from(t.data.subarray(b * width, (b + 1) * width), Number))
}

/** Every take from `from` until `epochs` epochs are done. */
function walk(order: PackedBatchOrder, from: DataPosition, epochs: number): { position: DataPosition; rows: number[][] }[] {
  const taken: { position: DataPosition; rows: number[][] }[] = []
  let position = from
  while (position.epoch < epochs) {
    const { rows, next } = order.take(position)
    taken.push({ position, rows })
    position = next
  }
  return taken
}

/** Lengths 1..width from a fixed linear congruential sequence: varied, and the same every run. */
function variedLengths(count: number, width: number): number[] {
  let state = 12345
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return 1 + (state % width)
  })
}

const decoderLayout: BatchLayout = { seq2seq: false, decoderStartTokenId: 0, padTokenId: 99 }

describe('packRows (next-fit)', () => {
  it('fills the current row while the next example fits, else starts a new one, keeping order', () => {
    // 2 would fit beside 6 in the first row (first-fit), but next-fit never goes back to a closed row.
    expect(packRows([0, 1, 2], [6, 5, 2], 8)).toEqual([[0], [1, 2]])
    expect(packRows([0, 1, 2, 3, 4, 5, 6], [3, 4, 2, 5, 1, 6, 2], 8)).toEqual([[0, 1], [2, 3, 4], [5, 6]])
    // an example of exactly the width fills a row on its own
    expect(packRows([0, 1, 2], [1, 8, 1], 8)).toEqual([[0], [1], [2]])
  })

  it('follows the order it is given, not index order', () => {
    expect(packRows([2, 0, 1], [6, 5, 2], 8)).toEqual([[2, 0], [1]])
  })
})

describe('PackedBatchOrder', () => {
  const lengths = [3, 4, 2, 5, 1, 6, 2]

  it('groups rows into batches of `rows`; the last batch of an epoch may have fewer', () => {
    const order = new PackedBatchOrder(examplesOfLengths(lengths), { rows: 2, width: 8, shuffle: false, seed: 0 })
    expect(order.batchesIn(0)).toBe(2)
    expect(order.take(START_POSITION)).toEqual({ rows: [[0, 1], [2, 3, 4]], next: { epoch: 0, batch: 1 } })
    expect(order.take({ epoch: 0, batch: 1 })).toEqual({ rows: [[5, 6]], next: { epoch: 1, batch: 0 } })
    expect(() => order.take({ epoch: 0, batch: 2 })).toThrow(/data position batch 2 is outside epoch 0 \(2 packed batches\)/)
  })

  it('takes every example exactly once per epoch, in the epoch order of BatchOrder', () => {
    const width = 16
    const examples = examplesOfLengths(variedLengths(60, width))
    const options = { rows: 3, width, shuffle: true, seed: 7 }
    const order = new PackedBatchOrder(examples, options)
    const unpacked = new BatchOrder(examples.length, { batchSize: 4, shuffle: true, seed: 7 })
    const taken = walk(order, START_POSITION, 3)
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = taken.filter((t) => t.position.epoch === epoch).map((t) => t.rows)
      expect(batches).toHaveLength(order.batchesIn(epoch))
      expect(batches.flat(2)).toEqual(Array.from(unpacked.orderOf(epoch)))
      batches.forEach((rows, b) => {
        // full batches except the last
        if (b < batches.length - 1) expect(rows).toHaveLength(options.rows)
        else expect(rows.length).toBeGreaterThanOrEqual(1)
      })
      const rows = batches.flat()
      for (let r = 0; r < rows.length; r++) {
        const used = rows[r].reduce((n, i) => n + examples[i].inputIds.length, 0)
        expect(used).toBeLessThanOrEqual(width)
        // next-fit: a row closed only because the next example did not fit
        if (r + 1 < rows.length) expect(used + examples[rows[r + 1][0]].inputIds.length).toBeGreaterThan(width)
      }
    }
  })

  it('is the same plan for the same seed, a new plan each epoch with shuffle, file order without', () => {
    const examples = examplesOfLengths(variedLengths(40, 12))
    const options = { rows: 2, width: 12, shuffle: true, seed: 3 }
    const a = new PackedBatchOrder(examples, options)
    const b = new PackedBatchOrder(examples, options)
    expect(walk(a, START_POSITION, 2)).toEqual(walk(b, START_POSITION, 2))
    expect(a.rowsOf(0)).not.toEqual(a.rowsOf(1))
    expect(new PackedBatchOrder(examples, { ...options, seed: 4 }).rowsOf(0)).not.toEqual(a.rowsOf(0))

    const inFileOrder = new PackedBatchOrder(examples, { ...options, shuffle: false })
    const fileOrder = examples.map((_, i) => i)
    for (const epoch of [0, 1, 5]) expect(inFileOrder.rowsOf(epoch).flat()).toEqual(fileOrder)
  })

  it('a run resumed from a saved position takes exactly the batches of the uninterrupted run', () => {
    const examples = examplesOfLengths(variedLengths(50, 10))
    const options = { rows: 2, width: 10, shuffle: true, seed: 11 }
    const uninterrupted = walk(new PackedBatchOrder(examples, options), START_POSITION, 3)
    const total = [0, 1, 2].reduce((n, e) => n + new PackedBatchOrder(examples, options).batchesIn(e), 0)
    expect(uninterrupted).toHaveLength(total)
    // stop in the middle of epoch 1, as a checkpoint would, and resume in a fresh process
    const saved = uninterrupted.findIndex((t) => t.position.epoch === 1) + 3
    const resumed = walk(new PackedBatchOrder(examples, options), uninterrupted[saved].position, 3)
    expect(resumed).toEqual(uninterrupted.slice(saved))
  })

  it('counts batches of other epochs without disturbing the plan being walked', () => {
    const examples = examplesOfLengths(variedLengths(30, 9))
    const order = new PackedBatchOrder(examples, { rows: 2, width: 9, shuffle: true, seed: 5 })
    const first = order.take(START_POSITION)
    for (let epoch = 0; epoch < 4; epoch++) expect(order.batchesIn(epoch)).toBe(Math.ceil(order.rowsOf(epoch).length / 2))
    expect(order.take(START_POSITION)).toEqual(first)
  })

  it('refuses an example longer than the row, naming its line', () => {
    expect(() => new PackedBatchOrder(examplesOfLengths([3, 4, 9, 2]), { rows: 2, width: 8, shuffle: false, seed: 0 })).toThrow(
      /^line 3: 9 tokens do not fit a packed row of 8 tokens \(examples are never split across rows\)/,
    )
    expect(() => new PackedBatchOrder([], { rows: 2, width: 8, shuffle: false, seed: 0 })).toThrow(/there are no training examples/)
    expect(() => new PackedBatchOrder(examplesOfLengths([1]), { rows: 0, width: 8, shuffle: false, seed: 0 })).toThrow(/rows per packed batch must be a positive whole number, got 0/)
  })
})

describe('makePackedBatch', () => {
  // B's first token is trained, so only the boundary rule keeps A's last token from predicting it.
  const a = example(1, [11, 12, 13], [0, 1, 1])
  const b = example(2, [21, 22], [1, 1])
  const c = example(3, [31, 32, 33, 34])

  it('feeds segment ids, positions and per-example labels, padded to the static batch', () => {
    const batch = makePackedBatch([[a, b], [c]], { ...decoderLayout, width: 6, shape: { batch: 3, seq: 6 } })
    expect(Object.keys(batch.feeds)).toEqual(['input_ids', 'attention_mask', 'position_ids', 'labels', 'label_mask'])
    for (const feed of Object.values(batch.feeds)) expect(feed.shape).toEqual([3, 6])
    expect(matrix(batch.feeds.input_ids)).toEqual([
      [11, 12, 13, 21, 22, 99],
      [31, 32, 33, 34, 99, 99],
      [99, 99, 99, 99, 99, 99],
    ])
    expect(matrix(batch.feeds.attention_mask)).toEqual([
      [1, 1, 1, 2, 2, 0],
      [1, 1, 1, 1, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ])
    expect(matrix(batch.feeds.position_ids)).toEqual([
      [0, 1, 2, 0, 1, 0],
      [0, 1, 2, 3, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ])
    expect(matrix(batch.feeds.labels)).toEqual([
      [12, 13, 0, 22, 0, 0],
      [32, 33, 34, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ])
    expect(matrix(batch.feeds.label_mask)).toEqual([
      [1, 1, 0, 1, 0, 0],
      [1, 1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ])
    expect(batch.labelTokens).toBe(6)
    expect(batch.tokens).toBe(9)
  })

  it('without a static shape, is as high as its rows', () => {
    const batch = makePackedBatch([[a, b], [c]], { ...decoderLayout, width: 7 })
    expect(batch.feeds.input_ids.shape).toEqual([2, 7])
    expect(matrix(batch.feeds.attention_mask)[0]).toEqual([1, 1, 1, 2, 2, 0, 0])
  })

  it('rows of one example feed what makeBatch feeds, plus positions 0..n-1', () => {
    const d = example(4, [41, 42, 43, 44, 45], [0, 0, 1, 0, 1])
    const shape = { batch: 3, seq: 8 }
    const packed = makePackedBatch([[d], [c]], { ...decoderLayout, width: 8, shape })
    const unpacked = makeBatch([d, c], { ...decoderLayout, shape })
    for (const name of ['input_ids', 'attention_mask', 'labels', 'label_mask']) expect(matrix(packed.feeds[name])).toEqual(matrix(unpacked.feeds[name]))
    expect(matrix(packed.feeds.position_ids)).toEqual([
      [0, 1, 2, 3, 4, 0, 0, 0],
      [0, 1, 2, 3, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ])
    expect(packed.labelTokens).toBe(unpacked.labelTokens)
    expect(packed.tokens).toBe(unpacked.tokens)
  })

  it('refuses what cannot be packed, naming the lines', () => {
    const layout = { ...decoderLayout, width: 6 }
    expect(() => makePackedBatch([[a, c]], layout)).toThrow(/^lines 1, 3: 7 tokens packed into one row, more than its 6$/)
    expect(() => makePackedBatch([[a], [b], [c]], { ...layout, shape: { batch: 2, seq: 6 } })).toThrow(/^line 3: packed row 3 does not fit the static batch of 2 rows$/)
    expect(() => makePackedBatch([[a]], { ...layout, shape: { batch: 2, seq: 8 } })).toThrow(/packed rows of 6 tokens do not match the 8-token rows this step graph was built for/)
    expect(() => makePackedBatch([[a], []], layout)).toThrow(/packed row 2 of 2 has no examples/)
    expect(() => makePackedBatch([], layout)).toThrow(/a packed batch needs at least one row/)
    expect(() => makePackedBatch([[a]], { ...layout, seq2seq: true })).toThrow(/encoder-decoder examples cannot be packed.*set data\.packing: false/)
  })
})

describe('packingStats', () => {
  it('compares the padding of the packed rows with one example per row', () => {
    const lengths = [3, 4, 2, 5, 1, 6, 2]
    const stats = packingStats(lengths, packRows([0, 1, 2, 3, 4, 5, 6], lengths, 8), 8)
    expect(stats).toEqual({ examples: 7, rows: 3, tokens: 23, packedPadding: 1 - 23 / 24, unpackedPadding: 1 - 23 / 56 })
    expect(describePacking(stats)).toBe('packed 7 examples into 3 rows: 4 % padding, 59 % without packing')
  })

  it('reads the plan of a PackedBatchOrder epoch', () => {
    const examples = examplesOfLengths(variedLengths(40, 12))
    const order = new PackedBatchOrder(examples, { rows: 4, width: 12, shuffle: true, seed: 1 })
    const stats = packingStats(Array.from(examples, (e) => e.inputIds.length), order.rowsOf(0), 12)
    expect(stats.examples).toBe(40)
    expect(stats.tokens).toBe(examples.reduce((n, e) => n + e.inputIds.length, 0))
    expect(stats.packedPadding).toBeLessThan(stats.unpackedPadding)
  })
})
