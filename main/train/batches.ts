// Batches for the step graph: a deterministic order of examples per epoch (seed + epoch, or
// file order with shuffle off), padding per batch to its longest example, and labels shifted
// the way the model builders require (labels[t] is the token position t must predict).
// A DataPosition (epoch, batch) says where the next batch starts, so a resumed run takes
// exactly the batches the uninterrupted run would have taken.
import { labelledTokensBound, packedLabelledTokensBound } from '../engine/models/label-rows'
import { Rng } from '../engine/random'
import { hostTensor, withLabelledBound, type HostTensor, type StaticBatchShape } from '../runtime'

/** A tokenized example: ids, and which tokens are trained (label = the token itself). */
export interface TrainingExample {
  /** 1-based line in the source file, for messages. */
  line: number
  inputIds: Int32Array
  trained: Uint8Array
}

/** Where the next batch starts: `batch` batches of `epoch` were taken already. */
export interface DataPosition {
  epoch: number
  batch: number
}

export const START_POSITION: DataPosition = { epoch: 0, batch: 0 }

export interface BatchOrderOptions {
  batchSize: number
  shuffle: boolean
  seed: number
}

/** The example indices of every batch of an epoch, and the walk from one position to the next. */
export class BatchOrder {
  readonly batchesPerEpoch: number
  private cachedEpoch = -1
  private cachedOrder: Uint32Array = new Uint32Array(0)

  constructor(
    readonly count: number,
    private readonly options: BatchOrderOptions,
  ) {
    if (count === 0) throw new Error('there are no training examples')
    // The last batch of an epoch may be smaller: every example is seen once per epoch.
    this.batchesPerEpoch = Math.ceil(count / options.batchSize)
  }

  /** Example indices of the batch at `position`, and the position after it. */
  take(position: DataPosition): { indices: number[]; next: DataPosition } {
    if (position.batch >= this.batchesPerEpoch || position.batch < 0) throw new Error(`data position batch ${position.batch} is outside epoch ${position.epoch} (${this.batchesPerEpoch} batches)`)
    const order = this.orderOf(position.epoch)
    const start = position.batch * this.options.batchSize
    const indices = Array.from(order.subarray(start, Math.min(start + this.options.batchSize, this.count)))
    const next = position.batch + 1 < this.batchesPerEpoch ? { epoch: position.epoch, batch: position.batch + 1 } : { epoch: position.epoch + 1, batch: 0 }
    return { indices, next }
  }

  /** File order, or a Fisher–Yates permutation drawn from its own stream per (seed, epoch). */
  orderOf(epoch: number): Uint32Array {
    if (epoch === this.cachedEpoch) return this.cachedOrder
    const order = new Uint32Array(this.count)
    for (let i = 0; i < this.count; i++) order[i] = i
    if (this.options.shuffle) {
      const rng = Rng.derive(this.options.seed, `data-order/epoch-${epoch}`)
      for (let i = this.count - 1; i > 0; i--) {
        const j = Math.floor(rng.uniform() * (i + 1))
        const swap = order[i]
        order[i] = order[j]
        order[j] = swap
      }
    }
    this.cachedEpoch = epoch
    this.cachedOrder = order
    return order
  }
}

/** The feeds of one batch, plus what the trainer counts. */
export interface Batch {
  feeds: Record<string, HostTensor>
  /** Label tokens (Σ label_mask): the loss is their mean. */
  labelTokens: number
  /** Real tokens the model reads (encoder and decoder), for tokens/s. */
  tokens: number
}

export interface BatchLayout {
  /** T5: the untrained prefix feeds the encoder, the trained rest the decoder. */
  seq2seq: boolean
  /** T5's first decoder input. */
  decoderStartTokenId: number
  /** Any valid id: padded positions are masked out. */
  padTokenId: number
  /**
   * Pad every batch to this shape (GPU step graphs are static): rows beyond the examples are all
   * padding, masked out of attention, loss and router statistics. Default: each batch as long as
   * its longest example.
   */
  shape?: StaticBatchShape | null
}

/** `rows` padded to [height, width] with `pad`. */
export function int64(rows: number[][], width: number, pad: number, height = rows.length): HostTensor {
  const data = new BigInt64Array(height * width).fill(BigInt(pad))
  rows.forEach((row, b) => row.forEach((v, t) => (data[b * width + t] = BigInt(v))))
  return hostTensor('int64', [height, width], data)
}

/** The width of a batch: its longest row, or the static width, which no row may exceed. */
function widthOf(rows: readonly { length: number }[], fixed: number | undefined, what: string, examples: readonly TrainingExample[]): number {
  const longest = Math.max(...rows.map((r) => r.length))
  if (fixed === undefined) return longest
  const over = rows.findIndex((r) => r.length > fixed)
  if (over >= 0) throw new Error(`line ${examples[over].line}: ${rows[over].length} ${what} tokens, more than the ${fixed} this step graph was built for`)
  return fixed
}

/**
 * The static shape for GPU step graphs over every example a run feeds (training and validation):
 * `batchSize` rows of the longest example (T5: longest prompt and longest completion). A decoder-
 * only run also gets `labeled`, the most labelled tokens any batch can hold (unpacked: the sum of
 * the `batchSize` largest counts; packed: what the densest examples fill of the batch's tokens),
 * when that is fewer than the batch's tokens: its steps run the LM head over that many rows, not
 * over every prompt and padding token.
 */
export function staticBatchShape(examples: readonly TrainingExample[], batchSize: number, layout: Pick<BatchLayout, 'seq2seq'>, options: { packed?: boolean } = {}): StaticBatchShape {
  if (examples.length === 0) throw new Error('there are no examples to size the batch shape from')
  if (!layout.seq2seq) {
    const seq = Math.max(...examples.map((e) => e.inputIds.length))
    const labelled = examples.map(nextTokenCount)
    const bound = options.packed
      ? packedLabelledTokensBound(examples.map((e, i) => ({ length: e.inputIds.length, labelled: labelled[i] })), batchSize * seq)
      : labelledTokensBound(labelled, batchSize)
    return withLabelledBound({ batch: batchSize, seq }, bound)
  }
  let seq = 1
  let tgt = 1
  for (const e of examples) {
    const first = Math.max(e.trained.indexOf(1), 1)
    seq = Math.max(seq, first)
    tgt = Math.max(tgt, e.inputIds.length - first)
  }
  return { batch: batchSize, seq, tgt }
}

const ones = (row: readonly unknown[]): number[] => row.map(() => 1)

/**
 * Decoder-only targets of one example: position t predicts token t+1 where that token is trained;
 * the last position predicts nothing (packing relies on it: no label crosses into the next example).
 */
export function nextTokenTargets(e: TrainingExample): { labels: number[]; mask: number[] } {
  const predicts = (t: number) => t + 1 < e.inputIds.length && e.trained[t + 1] !== 0
  return {
    labels: Array.from(e.inputIds, (_, t) => (predicts(t) ? e.inputIds[t + 1] : 0)),
    mask: Array.from(e.inputIds, (_, t) => (predicts(t) ? 1 : 0)),
  }
}

/** How many next-token targets `e` has (nextTokenTargets' mask, summed), without building it: every trained token after the first. */
export function nextTokenCount(e: TrainingExample): number {
  let count = 0
  for (let t = 1; t < e.inputIds.length; t++) if (e.trained[t] !== 0) count++
  return count
}

/** Decoder-only: position t predicts token t+1 where that token is trained. */
function causalBatch(examples: readonly TrainingExample[], layout: BatchLayout): Batch {
  const width = widthOf(examples.map((e) => e.inputIds), layout.shape?.seq, 'input', examples)
  const height = layout.shape?.batch ?? examples.length
  const ids = examples.map((e) => Array.from(e.inputIds))
  const targets = examples.map(nextTokenTargets)
  const labels = targets.map((t) => t.labels)
  const labelMask = targets.map((t) => t.mask)
  const labelTokens = labelMask.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0)
  return {
    feeds: {
      input_ids: int64(ids, width, layout.padTokenId, height),
      attention_mask: int64(ids.map(ones), width, 0, height),
      labels: int64(labels, width, 0, height),
      label_mask: int64(labelMask, width, 0, height),
    },
    labelTokens,
    tokens: ids.reduce((n, row) => n + row.length, 0),
  }
}

/** T5: the encoder input is the prefix before the first trained token; the target is the rest, trained where `targetMask` is 1. */
export function seq2seqParts(e: TrainingExample): { encoder: number[]; target: number[]; targetMask: number[] } {
  const first = e.trained.indexOf(1)
  if (first <= 0) {
    throw new Error(
      `line ${e.line}: an encoder-decoder model needs a prompt (untrained tokens) before the completion; ` +
        (first === 0 ? 'this example is trained from its first token (a "text" row or train_on_prompt: true)' : 'this example has no trained tokens'),
    )
  }
  return { encoder: Array.from(e.inputIds.subarray(0, first)), target: Array.from(e.inputIds.subarray(first)), targetMask: Array.from(e.trained.subarray(first)) }
}

/** T5: encoder = the prefix before the first trained token; decoder = [start] + target[:-1], labels = target. */
function seq2seqBatch(examples: readonly TrainingExample[], layout: BatchLayout): Batch {
  const encoder: number[][] = []
  const targets: number[][] = []
  const targetMask: number[][] = []
  for (const e of examples) {
    const parts = seq2seqParts(e)
    encoder.push(parts.encoder)
    targets.push(parts.target)
    targetMask.push(parts.targetMask)
  }
  const srcWidth = widthOf(encoder, layout.shape?.seq, 'prompt', examples)
  const tgtWidth = widthOf(targets, layout.shape?.tgt, 'completion', examples)
  const height = layout.shape?.batch ?? examples.length
  const labelTokens = targetMask.reduce((n, row) => n + row.reduce((a, b) => a + b, 0), 0)
  return {
    feeds: {
      input_ids: int64(encoder, srcWidth, layout.padTokenId, height),
      attention_mask: int64(encoder.map(ones), srcWidth, 0, height),
      decoder_input_ids: int64(targets.map((t) => [layout.decoderStartTokenId, ...t.slice(0, -1)]), tgtWidth, layout.padTokenId, height),
      decoder_attention_mask: int64(targets.map(ones), tgtWidth, 0, height),
      labels: int64(targets, tgtWidth, 0, height),
      label_mask: int64(targetMask, tgtWidth, 0, height),
    },
    labelTokens,
    tokens: encoder.reduce((n, r) => n + r.length, 0) + targets.reduce((n, r) => n + r.length, 0),
  }
}

export function makeBatch(examples: readonly TrainingExample[], layout: BatchLayout): Batch {
  if (examples.length === 0) throw new Error('a batch needs at least one example')
  if (layout.shape && examples.length > layout.shape.batch) throw new Error(`a batch of ${examples.length} examples does not fit the static batch of ${layout.shape.batch}`)
  return layout.seq2seq ? seq2seqBatch(examples, layout) : causalBatch(examples, layout)
}
