// Pieces every architecture shares: projections that go through the adapter hooks, and the
// reshapes between [batch, seq, heads·head_dim] and per-head layouts.
import { F, type Value } from '../ir'
import { embedding, frozenMatmul, linear, quantizedEmbedding, quantizedLinear } from '../nn'
import type { AdapterHooks, ProjectionName, SiteBase } from '../adapters/sites'
import type { BoundWeight } from './weights'

/**
 * y = x·Wᵀ (+ b) for nn.Linear weights [out, in]; y = x·W (+ b) for GPT-2's Conv1D [in, out]; a
 * quantized W (stored as [out, in] whatever the layout) through MatMulNBits.
 */
export function applyProjection(x: Value, weight: BoundWeight, bias: BoundWeight | null): Value {
  if (weight.quantized) return quantizedLinear(x, weight.quantized, bias?.value)
  if (weight.layout === 'linear') return linear(x, weight.value, bias?.value)
  if (weight.layout !== 'conv1d') throw new Error(`${weight.entry.hfName}: a ${weight.layout} tensor cannot be used as a projection`)
  const y = frozenMatmul(x, weight.value, false) // [..., out]
  return bias ? F.add(y, F.cast(bias.value, x.dtype)) : y
}

/** The LM head (or a tied embedding used as one): logits = h·Wᵀ. */
export function projectToVocab(h: Value, head: BoundWeight): Value {
  return head.quantized ? quantizedLinear(h, head.quantized) : linear(h, head.value)
}

/** Token (or position) embeddings: rows of the table at `ids`, quantized or not. */
export function embedRows(ids: Value, table: BoundWeight): Value {
  return table.quantized ? quantizedEmbedding(ids, table.quantized) : embedding(ids, table.value)
}

/** Input and output widths of a projection weight, whatever its layout. */
export function projectionWidths(weight: BoundWeight): { inFeatures: number; outFeatures: number } {
  const [a, b] = weight.entry.shape
  return weight.layout === 'conv1d' ? { inFeatures: a, outFeatures: b } : { inFeatures: b, outFeatures: a }
}

/** Where a layer sits, shared by every site it offers to the adapter. */
export type SiteLocation = Omit<SiteBase, 'module'>

/** A frozen projection as an adapter site: the hook sees x and may add to (or replace) base(x). */
export function adaptedProjection(
  hooks: AdapterHooks, at: SiteLocation, name: ProjectionName, x: Value, weight: BoundWeight, bias: BoundWeight | null,
): Value {
  return hooks.projection({ ...at, kind: 'projection', module: weight.module, name, ...projectionWidths(weight) }, x, (input) =>
    applyProjection(input, weight, bias),
  )
}

/** [batch, seq, heads·headDim] -> [batch, seq, heads, headDim] */
export function splitHeads(x: Value, heads: number, headDim: number): Value {
  const [batch, seq] = x.shape
  return F.reshape(x, [batch, seq, heads, headDim])
}

/** [batch, seq, heads, headDim] -> [batch, heads, seq, headDim] */
export function headsFirst(x: Value): Value {
  return F.transpose(x, [0, 2, 1, 3])
}

/** [batch, heads, seq, headDim] -> [batch, seq, heads·headDim] */
export function mergeHeads(x: Value): Value {
  const [batch, heads, seq, headDim] = x.shape
  return F.reshape(F.transpose(x, [0, 2, 1, 3]), [batch, seq, (heads as number) * (headDim as number)]) // [B, T, H·Dh]
}

/** The hidden state of the last position of every row: [batch, seq, d] -> [batch, d]. */
export function lastPosition(hidden: Value): Value {
  const [batch, seq, d] = hidden.shape
  // seq may be symbolic, so the index seq-1 is computed in the graph.
  const last = F.cast(F.max(F.cast(F.iota(hidden, seq), 'float32'), [0], true), 'int64') // [1]
  return F.reshape(F.gather(hidden, last, 1), [batch, d]) // [B, d]
}
