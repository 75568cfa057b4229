// The loss through the head at the labelled tokens only. A fine-tuning batch trains on the
// completion: with train_on_prompt false, every prompt token's row of the head (a product over the
// whole vocabulary, the largest of the step for a big vocabulary: 60% of a gemma-3-270m step's
// products) computes logits nobody reads. Here the caller names the labelled tokens in the int64
// input label_positions [labeled] (flat indices into batch·seq, every token whose label_mask is 1),
// and the head runs over those rows alone:
//   rows = hidden[label_positions],  (loss, nll) = headLoss(rows)
// The loss is the same token mean (the same tokens, the same count); token_nll is scattered back to
// [batch, seq], 0 elsewhere, as before. The gradient reaches the hidden states through the Gather,
// as a scatter-add of the rows' gradients. The number of labelled tokens changes with every batch:
// a graph with symbolic batch dims (the CPU's) takes each batch's own, a static (GPU) graph a
// fixed number bounding every batch's (StaticBatchShape.labeled), the rest filled with a position
// whose label_mask is 0.
import { dimProduct, F, type Value } from '../ir'
import { zeros } from '../autodiff/helpers'
import { headLoss, type HeadLossOptions } from './head-loss'
import type { LabelInputs } from './outputs'
import type { BoundWeight } from './weights'

/** The input naming the labelled tokens: int64 [labeled], flat indices into batch·seq. */
export const LABEL_POSITIONS = 'label_positions'

export function headLossAtLabels(hidden: Value, head: BoundWeight, labels: LabelInputs, options: HeadLossOptions): { loss: Value; tokenNll: Value } {
  const g = hidden.graph
  const [batch, seq, width] = hidden.shape
  const tokens = dimProduct([batch, seq])
  const positions = g.input(LABEL_POSITIONS, 'int64', ['labeled'])
  const pick = (v: Value) => F.unsqueeze(F.gather(F.reshape(v, [tokens]), positions, 0), 0) // [1, labeled]
  const rows = F.unsqueeze(F.gather(F.reshape(hidden, [tokens, width]), positions, 0), 0) // [1, labeled, d]
  // The mask is read at the positions too: a position fed without a label (the one a batch with no
  // labelled token is given, so that no tensor is empty) counts for nothing.
  const { loss, tokenNll } = headLoss(rows, head, { labels: pick(labels.labels), labelMask: pick(labels.labelMask) }, options)
  const scattered = F.scatterElementsAdd(zeros(g, [tokens], 'float32'), positions, F.squeeze(tokenNll, 0), 0) // [batch·seq]
  return { loss, tokenNll: F.reshape(scattered, [batch, seq]) }
}

/**
 * The most labelled tokens any batch of `rows` examples can hold, from each example's count: the sum
 * of the `rows` largest. A static graph's label_positions are that long (StaticBatchShape.labeled).
 */
export function labelledTokensBound(counts: readonly number[], rows: number): number {
  return [...counts].sort((a, b) => b - a).slice(0, rows).reduce((a, b) => a + b, 0)
}

/**
 * The same bound for packed rows, from each example's length and labelled count: a batch holds
 * distinct whole examples of at most `tokens` tokens in all, so it holds no more labelled tokens
 * than the densest examples fill of `tokens` (a fractional knapsack: by labelled share, the last
 * one in part), rounded down.
 */
export function packedLabelledTokensBound(examples: readonly { length: number; labelled: number }[], tokens: number): number {
  const byShare = [...examples].filter((e) => e.length > 0).sort((a, b) => b.labelled / b.length - a.labelled / a.length)
  let room = tokens
  let bound = 0
  for (const e of byShare) {
    if (room >= e.length) {
      bound += e.labelled
      room -= e.length
    } else {
      // In integers, so that rounding never takes a token off the bound.
      bound += Math.floor((e.labelled * room) / e.length)
      break
    }
  }
  return bound
}

/**
 * label_positions for a batch's label_mask (any numeric [batch, seq] values): the flat indices of
 * its non-zero entries, or [0] when there are none. With `length` (a static graph's), exactly that
 * many: the rest repeat the first unlabelled position, which counts for nothing (its gathered mask
 * is 0, its rows' gradient 0).
 */
export function labelPositionsOf(labelMask: ArrayLike<number | bigint>, length?: number): BigInt64Array {
  const positions: bigint[] = []
  let unlabelled = -1
  for (let i = 0; i < labelMask.length; i++) {
    if (Number(labelMask[i]) !== 0) positions.push(BigInt(i))
    else if (unlabelled < 0) unlabelled = i
  }
  if (length === undefined) return BigInt64Array.from(positions.length > 0 ? positions : [0n])
  if (positions.length > length || (positions.length < length && unlabelled < 0)) {
    throw new Error(`this batch has ${positions.length} labelled tokens of ${labelMask.length}, and the step graph was built for ${length} (StaticBatchShape.labeled must bound every batch's)`)
  }
  const padded = new BigInt64Array(length).fill(BigInt(Math.max(unlabelled, 0)))
  padded.set(positions)
  return padded
}
