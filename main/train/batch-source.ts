// Where a run's batches come from: one example per row (batch_size examples a batch), or packed
// (data.packing: batch_size rows, each holding as many whole examples as fit; packing.ts). The
// trainer asks for the batch at a data position and for the validation set in batches, the same
// way for both.
import { BatchOrder, makeBatch, type Batch, type BatchLayout, type DataPosition, type TrainingExample } from './batches'
import { makePackedBatch, packingStats, PackedBatchOrder, type PackingStats } from './packing'

export interface BatchSourceOptions {
  /** Examples per batch, or rows per batch when packing. */
  batchSize: number
  shuffle: boolean
  seed: number
  /** Pack into rows of this many tokens (the graph must be built packed); absent: one example per row. */
  packedWidth?: number | null
}

export interface BatchSource {
  /** The batch at `position` and the position after it. */
  take(position: DataPosition): { batch: Batch; next: DataPosition }
  /** The validation set, in batches made as they are read (packed too when packing: the loss is a token mean either way). */
  validationBatches(): Iterable<Batch>
  /** Batches in `epoch` (packed: it varies with the epoch's shuffle). */
  batchesIn(epoch: number): number
  /** Packing's padding in the first epoch; null without packing. */
  readonly packing: PackingStats | null
}

/**
 * Optimizer steps of `epochs` passes over the data: every batch of the whole epochs, then the
 * share of the next epoch's batches (2.5 epochs: two epochs and half the third), grad_accum
 * batches a step, the last step taking what is left. It depends only on the data and the seed,
 * so a resumed run finds the same count.
 */
export function stepsForEpochs(source: Pick<BatchSource, 'batchesIn'>, epochs: number, gradAccum: number): number {
  if (!(epochs > 0)) throw new Error(`train.epochs must be positive, got ${epochs}`)
  const whole = Math.floor(epochs)
  let batches = 0
  for (let epoch = 0; epoch < whole; epoch++) batches += source.batchesIn(epoch)
  if (epochs > whole) batches += (epochs - whole) * source.batchesIn(whole)
  // 1.1 epochs of 10 batches is 11 batches, not the 11.000000000000002 that floats make of it.
  return Math.max(1, Math.ceil(batches / gradAccum - 1e-9))
}

export function createBatchSource(train: readonly TrainingExample[], validation: readonly TrainingExample[], layout: BatchLayout, options: BatchSourceOptions): BatchSource {
  const width = options.packedWidth ?? null
  if (width === null) {
    const order = new BatchOrder(train.length, options)
    return {
      take(position) {
        const { indices, next } = order.take(position)
        return { batch: makeBatch(indices.map((i) => train[i]), layout), next }
      },
      *validationBatches() {
        for (let start = 0; start < validation.length; start += options.batchSize) yield makeBatch(validation.slice(start, start + options.batchSize), layout)
      },
      batchesIn: () => order.batchesPerEpoch,
      packing: null,
    }
  }

  const packedLayout = { ...layout, width }
  const order = new PackedBatchOrder(train, { rows: options.batchSize, width, shuffle: options.shuffle, seed: options.seed })
  const batchOf = (examples: readonly TrainingExample[], rows: readonly (readonly number[])[]) => makePackedBatch(rows.map((row) => row.map((i) => examples[i])), packedLayout)
  return {
    take(position) {
      const { rows, next } = order.take(position)
      return { batch: batchOf(train, rows), next }
    },
    *validationBatches() {
      if (validation.length === 0) return
      const rows = new PackedBatchOrder(validation, { rows: options.batchSize, width, shuffle: false, seed: 0 }).rowsOf(0)
      for (let start = 0; start < rows.length; start += options.batchSize) yield batchOf(validation, rows.slice(start, start + options.batchSize))
    },
    batchesIn: (epoch) => order.batchesIn(epoch),
    packing: packingStats(train.map((e) => e.inputIds.length), order.rowsOf(0), width),
  }
}
