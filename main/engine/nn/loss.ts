import { F, type Value } from '../ir'

/**
 * Token-mean cross-entropy: Σ mask·(−log softmax(logits)[label]) / max(Σ mask, 1), in float32.
 * Built from LogSoftmax + GatherElements + mask (CUDA has no NLL kernel; docs/DESIGN.md).
 * logits [..., vocab], labels int64 [...], labelMask [...] (1 = counts, 0 = ignored; numeric or bool).
 * Ignored positions may hold any label (e.g. -100): they are replaced by 0 before the gather.
 */
export function crossEntropy(logits: Value, labels: Value, labelMask: Value): Value {
  const mask = F.cast(labelMask, 'float32') // [...]
  const safeLabels = safeLabelIndices(labels, mask) // [...] int32
  const logProbs = F.logSoftmax(F.cast(logits, 'float32'), -1) // [..., vocab]
  const picked = F.squeeze(F.gatherElements(logProbs, F.unsqueeze(safeLabels, -1), -1), -1) // [...]
  const axes = mask.shape.map((_, i) => i)
  const total = F.sum(F.mul(F.neg(picked), mask), axes) // []
  const count = F.maximum(F.sum(mask, axes), 1) // []
  return F.div(total, count)
}

/**
 * Labels as int32 gather indices, 0 where the mask does not count (ignored positions may hold
 * -100). int32 because ORT's WebGPU provider has no int64 Where: with int64 the selection would
 * run on the CPU, which a GPU session refuses. Vocabularies are far below 2³¹.
 */
export function safeLabelIndices(labels: Value, mask: Value): Value {
  return F.where(F.greater(mask, 0), F.cast(labels, 'int32'), 0)
}
