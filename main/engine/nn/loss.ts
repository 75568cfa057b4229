import { F, type Value } from '../ir'

/**
 * Token-mean cross-entropy: Σ mask·(−log softmax(logits)[label]) / max(Σ mask, 1), in float32.
 * Built from LogSoftmax + GatherElements + mask (CUDA has no NLL kernel; DESIGN.md).
 * logits [..., vocab], labels int64 [...], labelMask [...] (1 = counts, 0 = ignored; numeric or bool).
 * Ignored positions may hold any label (e.g. -100): they are replaced by 0 before the gather.
 */
export function crossEntropy(logits: Value, labels: Value, labelMask: Value): Value {
  const mask = F.cast(labelMask, 'float32') // [...]
  const safeLabels = F.where(F.greater(mask, 0), labels, 0) // [...]
  const logProbs = F.logSoftmax(F.cast(logits, 'float32'), -1) // [..., vocab]
  const picked = F.squeeze(F.gatherElements(logProbs, F.unsqueeze(safeLabels, -1), -1), -1) // [...]
  const axes = mask.shape.map((_, i) => i)
  const total = F.sum(F.mul(F.neg(picked), mask), axes) // []
  const count = F.maximum(F.sum(mask, axes), 1) // []
  return F.div(total, count)
}
