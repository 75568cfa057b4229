// Packing for static step graphs: a GPU step graph runs every batch at [rows, width], width being
// the run's longest example, so with variable-length data most of each unpacked row is padding.
// Packing puts several whole examples end to end into each row. In a packed graph attention_mask
// holds segment ids (0 = pad, 1, 2, 3 ... = the row's 1st, 2nd, 3rd example), position_ids
// restart at 0 for each example, and attention never crosses examples; this file is the host
// side: which examples share a row and batch, and the feeds of a packed batch.
//
// The plan keeps data order (next-fit over the epoch order of BatchOrder, no sorting), so it is a
// pure function of (lengths, rows, width, shuffle, seed, epoch): a run resumed from a DataPosition
// takes exactly the batches the uninterrupted run takes.
import { BatchOrder, int64, nextTokenTargets, type Batch, type BatchLayout, type DataPosition, type TrainingExample } from './batches'

export interface PackedBatchOrderOptions {
  /** Rows per batch: the step graph's static batch. */
  rows: number
  /** Tokens per row: the step graph's static sequence length. */
  width: number
  shuffle: boolean
  seed: number
}

/** What the planner reads of an example: its length, and its line for messages. */
export type PackableExample = Pick<TrainingExample, 'line' | 'inputIds'>

/**
 * Next-fit: walk `order`, putting each example in the current row if it still fits in `width`
 * tokens, else starting a new row. Returns the example indices of every row, in order.
 */
export function packRows(order: ArrayLike<number>, lengths: ArrayLike<number>, width: number): number[][] {
  const rows: number[][] = []
  let current: number[] = []
  let used = 0
  for (let i = 0; i < order.length; i++) {
    const example = order[i]
    const length = lengths[example]
    if (current.length > 0 && used + length > width) {
      rows.push(current)
      current = []
      used = 0
    }
    current.push(example)
    used += length
  }
  if (current.length > 0) rows.push(current)
  return rows
}

/** The packed batches of every epoch, and the walk from one position to the next. */
export class PackedBatchOrder {
  readonly count: number
  private readonly lengths: Uint32Array
  /** Owns the per-epoch example order, so packed and unpacked runs shuffle identically. */
  private readonly order: BatchOrder
  private cachedEpoch = -1
  private cachedRows: number[][] = []

  constructor(
    examples: readonly PackableExample[],
    private readonly options: PackedBatchOrderOptions,
  ) {
    positiveInteger(options.rows, 'rows per packed batch')
    positiveInteger(options.width, 'packed row width')
    this.order = new BatchOrder(examples.length, { batchSize: options.rows, shuffle: options.shuffle, seed: options.seed })
    this.count = examples.length
    const tooLong = examples.find((e) => e.inputIds.length > options.width)
    if (tooLong) {
      throw new Error(
        `line ${tooLong.line}: ${tooLong.inputIds.length} tokens do not fit a packed row of ${options.width} tokens ` +
          '(examples are never split across rows); shorten the example or pack into wider rows',
      )
    }
    this.lengths = Uint32Array.from(examples, (e) => e.inputIds.length)
  }

  /** Example indices of each row of the packed batch at `position`, and the position after it. */
  take(position: DataPosition): { rows: number[][]; next: DataPosition } {
    const batches = this.batchesIn(position.epoch)
    if (position.batch >= batches || position.batch < 0) throw new Error(`data position batch ${position.batch} is outside epoch ${position.epoch} (${batches} packed batches)`)
    const start = position.batch * this.options.rows
    const rows = this.rowsOf(position.epoch)
      .slice(start, start + this.options.rows)
      .map((row) => [...row])
    const next = position.batch + 1 < batches ? { epoch: position.epoch, batch: position.batch + 1 } : { epoch: position.epoch + 1, batch: 0 }
    return { rows, next }
  }

  /** Packed batches in `epoch`: it varies with the shuffle, and the last one may have fewer rows. */
  batchesIn(epoch: number): number {
    return Math.ceil(this.rowsOf(epoch).length / this.options.rows)
  }

  /** Every row of `epoch` (example indices), in the order its batches take them. */
  rowsOf(epoch: number): readonly (readonly number[])[] {
    if (epoch !== this.cachedEpoch) {
      this.cachedRows = packRows(this.order.orderOf(epoch), this.lengths, this.options.width)
      this.cachedEpoch = epoch
    }
    return this.cachedRows
  }
}

function positiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${what} must be a positive whole number, got ${value}`)
}

/** Padding with and without packing, for the run log. */
export interface PackingStats {
  examples: number
  rows: number
  /** Real tokens over all rows. */
  tokens: number
  /** Share of the packed rows' slots (rows × width) that are padding. */
  packedPadding: number
  /** The same share with one example per row, each padded to width. */
  unpackedPadding: number
}

/** How much padding `rows` (a packing plan over examples of `lengths`) leaves at `width`. */
export function packingStats(lengths: ArrayLike<number>, rows: readonly (readonly number[])[], width: number): PackingStats {
  let tokens = 0
  let examples = 0
  for (const row of rows) {
    for (const example of row) tokens += lengths[example]
    examples += row.length
  }
  const padding = (slots: number) => (slots > 0 ? 1 - tokens / slots : 0)
  return { examples, rows: rows.length, tokens, packedPadding: padding(rows.length * width), unpackedPadding: padding(examples * width) }
}

/** "packed 1200 examples into 160 rows: 9 % padding, 61 % without packing" */
export function describePacking(stats: PackingStats): string {
  const percent = (share: number) => `${Math.round(share * 100)} %`
  return `packed ${stats.examples} examples into ${stats.rows} rows: ${percent(stats.packedPadding)} padding, ${percent(stats.unpackedPadding)} without packing`
}

const linesOf = (row: readonly TrainingExample[]): string => (row.length === 1 ? `line ${row[0].line}` : `lines ${row.map((e) => e.line).join(', ')}`)

/**
 * The feeds of a packed batch, [height, width] with height = the static batch (extra rows are all
 * padding) or the number of rows: input_ids, attention_mask (segment ids), position_ids (inside
 * each example), labels and label_mask (the rule of makeBatch per example, so no label crosses
 * from one example into the next). A row of one example feeds what makeBatch feeds, plus
 * position_ids 0..n-1.
 */
export function makePackedBatch(rows: readonly (readonly TrainingExample[])[], layout: BatchLayout & { width: number }): Batch {
  if (layout.seq2seq) throw new Error('encoder-decoder examples cannot be packed (their prompt and completion go to different rows of the encoder and decoder); set data.packing: false')
  const { width } = layout
  positiveInteger(width, 'packed row width')
  if (layout.shape && layout.shape.seq !== width) throw new Error(`packed rows of ${width} tokens do not match the ${layout.shape.seq}-token rows this step graph was built for`)
  if (rows.length === 0) throw new Error('a packed batch needs at least one row')
  const empty = rows.findIndex((row) => row.length === 0)
  if (empty >= 0) throw new Error(`packed row ${empty + 1} of ${rows.length} has no examples`)
  const height = layout.shape?.batch ?? rows.length
  if (rows.length > height) throw new Error(`${linesOf(rows[height])}: packed row ${height + 1} does not fit the static batch of ${height} rows`)

  const ids: number[][] = []
  const segments: number[][] = []
  const positions: number[][] = []
  const labels: number[][] = []
  const labelMask: number[][] = []
  let labelTokens = 0
  let tokens = 0
  for (const row of rows) {
    const used = row.reduce((n, e) => n + e.inputIds.length, 0)
    if (used > width) throw new Error(`${linesOf(row)}: ${used} tokens packed into one row, more than its ${width}`)
    const rowIds: number[] = []
    const rowSegments: number[] = []
    const rowPositions: number[] = []
    const rowLabels: number[] = []
    const rowMask: number[] = []
    row.forEach((example, s) => {
      const targets = nextTokenTargets(example)
      for (let t = 0; t < example.inputIds.length; t++) {
        rowIds.push(example.inputIds[t])
        rowSegments.push(s + 1)
        rowPositions.push(t)
        rowLabels.push(targets.labels[t])
        rowMask.push(targets.mask[t])
        labelTokens += targets.mask[t]
      }
    })
    tokens += used
    ids.push(rowIds)
    segments.push(rowSegments)
    positions.push(rowPositions)
    labels.push(rowLabels)
    labelMask.push(rowMask)
  }
  return {
    feeds: {
      input_ids: int64(ids, width, layout.padTokenId, height),
      attention_mask: int64(segments, width, 0, height),
      position_ids: int64(positions, width, 0, height),
      labels: int64(labels, width, 0, height),
      label_mask: int64(labelMask, width, 0, height),
    },
    labelTokens,
    tokens,
  }
}
