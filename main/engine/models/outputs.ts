// What a language-model graph can hand back: logits, the training loss and per-token NLL.
// Labels are aligned with the logits (labels[t] is the token position t must predict); the caller
// shifts them, because seq is symbolic and the op set slices only static axes.
import { F, type Graph, type Value } from '../ir'
import { crossEntropy, safeLabelIndices } from '../nn'
import { headLoss } from './head-loss'
import { headLossAtLabels } from './label-rows'
import { lastPosition, projectToVocab } from './layers'
import type { ModelBuildOptions } from './types'
import type { BoundWeight } from './weights'

export type LmOutputName = 'logits' | 'loss' | 'token_nll'

export interface LmValues {
  /** float32 [batch, seq, vocab]; null when only the loss was built (ModelBuildOptions.lossThroughHead) */
  logits: Value | null
  /** float32 []: token-mean cross-entropy over label_mask (present when labels were requested). */
  loss: Value | null
  /** float32 [batch, seq]: −log p(label) at counted positions, 0 elsewhere (present when labels were requested). */
  tokenNll: Value | null
}

export interface LabelInputs {
  labels: Value
  labelMask: Value
}

/** int64 inputs "labels" and "label_mask" over the same axes as the logits' leading two. */
export function declareLabels(g: Graph, batch: string, seq: string): LabelInputs {
  return { labels: g.input('labels', 'int64', [batch, seq]), labelMask: g.input('label_mask', 'int64', [batch, seq]) }
}

/** −log softmax(logits)[label] where the mask counts, 0 elsewhere: float32 [batch, seq]. */
export function tokenNegLogLikelihood(logits: Value, labels: LabelInputs): Value {
  const mask = F.cast(labels.labelMask, 'float32') // [B, T]
  const safe = safeLabelIndices(labels.labels, mask) // [B, T]: ignored positions may hold -100
  const logProbs = F.logSoftmax(F.cast(logits, 'float32'), -1) // [B, T, V]
  const picked = F.squeeze(F.gatherElements(logProbs, F.unsqueeze(safe, -1), -1), -1) // [B, T]
  return F.mul(F.neg(picked), mask)
}

export function lmValues(logits: Value, labels: LabelInputs | null): LmValues {
  if (!labels) return { logits, loss: null, tokenNll: null }
  return { logits, loss: crossEntropy(logits, labels.labels, labels.labelMask), tokenNll: tokenNegLogLikelihood(logits, labels) }
}

/**
 * Forward mode's values from the final hidden states `hidden` and the head (logits = hidden·Wᵀ), and
 * the requested outputs declared. With options.lossThroughHead, when the logits are not an output,
 * they are never built: head-loss.ts computes the loss and token NLLs piece by piece (with
 * options.labelRows, at the labelled tokens only: label-rows.ts).
 */
export function forwardOutputs(g: Graph, hidden: Value, head: BoundWeight, labelSeq: string, options: ModelBuildOptions): LmValues {
  const outputs = options.outputs ?? ['logits']
  const labels = options.labels ? declareLabels(g, 'batch', labelSeq) : null
  const pieces = labels && options.lossThroughHead && !outputs.includes('logits')
  const headOptions = { ...options.lossThroughHead!, ...(options.weightPieceElements ? { pieceElements: options.weightPieceElements } : {}) }
  const values = pieces
    ? { logits: null, ...(options.labelRows ? headLossAtLabels(hidden, head, labels, headOptions) : headLoss(hidden, head, labels, headOptions)) }
    : lmValues(projectToVocab(hidden, head), labels)
  declareOutputs(g, values, outputs)
  return values
}

/** Declares the requested graph outputs; asking for loss or token_nll without labels is an error. */
export function declareOutputs(g: Graph, values: LmValues, names: readonly LmOutputName[]): void {
  for (const name of names) {
    const value = name === 'logits' ? values.logits : name === 'loss' ? values.loss : values.tokenNll
    if (!value) throw new Error(`output "${name}" needs labels: build with labels: true`)
    g.output(name, value)
  }
}

/**
 * A cached step's outputs from its final hidden states [batch, step, d] and its head (hidden ->
 * logits): logits [batch, vocab] at the step's last position, for generation. With `labels`, the
 * head runs only at the step slots named by the int64 input label_slots [labeled]: token_nll
 * [batch, labeled] against labels / label_mask [batch, labeled], and logits are those of the last
 * named slot. Scoring choices after a cached prompt (rank classification) needs every choice
 * token's NLL, while the prompt's own step needs only its last logits; the head, a large product
 * over the vocabulary, is one product reading its weight once (so ORT may pre-pack it).
 */
export function declareCachedOutputs(g: Graph, final: Value, head: (hidden: Value) => Value, labels: boolean): LmValues {
  if (!labels) {
    const logits = head(lastPosition(final)) // [B, V]
    g.output('logits', logits)
    return { logits, loss: null, tokenNll: null }
  }
  const slots = g.input('label_slots', 'int64', ['labeled'])
  const slotLogits = head(F.gather(final, slots, 1)) // [B, L, V]
  const logits = lastPosition(slotLogits) // [B, V]
  const tokenNll = tokenNegLogLikelihood(slotLogits, declareLabels(g, 'batch', 'labeled')) // [B, L]
  g.output('logits', logits)
  g.output('token_nll', tokenNll)
  return { logits, loss: null, tokenNll }
}
