// The training loss through the LM head without the [batch, seq, vocab] logits (docs/DESIGN.md
// "The loss through the head"). A step graph needs only the token-mean cross-entropy, and an eval
// scorer the tokens' NLLs, not the logits, yet the plain path keeps logits, log-softmax and their gradient: 3 × 4 B per token and
// vocabulary entry, 6.3 GB at 8 × 2048 tokens and a 32k vocabulary, more than the blocks keep with
// gradient checkpointing. Here the head runs over the vocabulary in row pieces of W, one after the
// other, with an online log-sum-exp (a running maximum m and sum s, rescaled when m grows):
//   lse = m + log s,  nll = lse − z[label]  (z = h·Wᵀ, counted where label_mask is 1)
// and, for a train step, the head's input gradient in the same pass, while each piece's logits exist:
//   D = ∂(Σ nll)/∂h = mask · (Σ_j softmax_j W_j − W[label]) = mask · (Σ_pieces e·W_piece / s − W[label])
// with e = exp(z − m) rescaled like s. The loss value is returned as
//   stop(Σ nll) + (Σ h·stop(D) − stop(Σ h·stop(D)))
// whose value is Σ nll exactly (x − x = 0) and whose gradient with respect to h is D: autodiff
// then keeps only D ([batch, seq, d]) and never sees the pieces. The products are those of the
// plain path (h·Wᵀ forward, ·W for the gradient), so it costs no extra FLOPs.
import { F, type Value } from '../ir'
import { safeLabelIndices } from '../nn'
import { zeroAfter } from '../autodiff/helpers'
import type { LabelInputs } from './outputs'
import { WEIGHT_PIECE_ELEMENTS, type BoundWeight } from './weights'

/**
 * A piece's logits are [batch, seq, rows]: at most 4096 vocabulary rows, 16 KB a token, whatever the
 * model's width (a narrow model's 16 MB of W would be 8192 rows and more).
 */
const MAX_PIECE_ROWS = 4096

export interface HeadLossOptions {
  /** Also compute the head's input gradient (a train step); an eval step needs the value only. */
  gradient: boolean
  /** Elements of W per piece (default WEIGHT_PIECE_ELEMENTS); a quantized head uses its stored pieces. */
  pieceElements?: number
}

/** One row range of W: its logits for x, and p·W_piece for weights p over its rows. */
interface HeadPiece {
  firstRow: number
  rows: number
  /** x [..., d] in the product dtype -> [..., rows] float32 */
  logits(x: Value): Value
  /** p [..., rows] float32 -> p·W_piece [..., d] float32 */
  weigh(p: Value): Value
  /** W rows at `rows` (int32 indices within this piece) [..., d] float32 */
  rowsAt(indices: Value): Value
}

/**
 * Through logits = h·Wᵀ, piece by piece: the token-mean cross-entropy over label_mask (float32 [])
 * and each token's −log p(label) where the mask counts, 0 elsewhere (float32 [batch, seq]).
 */
export function headLoss(h: Value, head: BoundWeight, labels: LabelInputs, options: HeadLossOptions): { loss: Value; tokenNll: Value } {
  const g = h.graph
  const dtype = g.frozenMatmulDType
  const mask = F.cast(labels.labelMask, 'float32') // [B, T]
  const safe = F.unsqueeze(safeLabelIndices(labels.labels, mask), -1) // [B, T, 1] int32
  const pieces = headPieces(head, options.pieceElements ?? WEIGHT_PIECE_ELEMENTS)
  const hx = F.cast(h, dtype)

  let m: Value | null = null // running max [B, T, 1]
  let s: Value | null = null // running Σ exp(z − m) [B, T, 1]
  let acc: Value | null = null // running Σ exp(z − m)·W [B, T, d]
  let picked: Value | null = null // z[label] [B, T, 1]
  let labelRows: Value | null = null // W[label] [B, T, d]
  let previous: Value[] = [h]
  for (const piece of pieces) {
    // Each piece waits for everything of the one before (its sum, label logit, product and label
    // rows): onnxruntime orders nodes by data only, and would otherwise leave a piece's label
    // gather or product to later, holding its logits while the next pieces run.
    const z = piece.logits(F.add(hx, F.cast(zeroAfter(previous), dtype))) // [B, T, rows]
    const local = F.sub(safe, piece.firstRow) // [B, T, 1]
    const inPiece = F.and(F.greater(local, -1), F.less(local, piece.rows))
    const index = F.where(inPiece, local, 0)
    const zLabel = F.where(inPiece, F.gatherElements(z, index, -1), 0)
    picked = picked ? F.add(picked, zLabel) : zLabel
    const pieceMax = F.max(z, [-1], true)
    const next: Value = m ? F.maximum(m, pieceMax) : pieceMax
    const e = F.exp(F.sub(z, next))
    const rescale = m ? F.exp(F.sub(m, next)) : null
    const eSum = F.sum(e, [-1], true)
    s = s && rescale ? F.add(F.mul(s, rescale), eSum) : eSum
    m = next
    if (options.gradient) {
      const weighed = piece.weigh(e)
      acc = acc && rescale ? F.add(F.mul(acc, rescale), weighed) : weighed
      const rows = F.where(inPiece, piece.rowsAt(F.squeeze(index, -1)), 0)
      labelRows = labelRows ? F.add(labelRows, rows) : rows
    }
    previous = [s, picked, ...(acc && labelRows ? [acc, labelRows] : [])]
  }
  const nll = F.mul(F.squeeze(F.sub(F.add(m!, F.log(s!)), picked!), -1), mask) // [B, T]
  const axes = mask.shape.map((_, i) => i)
  let total = F.sum(nll, axes) // []
  if (options.gradient) {
    const d = F.stopGradient(F.mul(F.sub(F.div(acc!, s!), labelRows!), F.unsqueeze(mask, -1))) // [B, T, d]
    const linear = F.sum(F.mul(h, d), [...axes, mask.rank])
    total = F.add(F.stopGradient(total), F.sub(linear, F.stopGradient(linear)))
  }
  const count = F.maximum(F.sum(mask, axes), 1)
  return { loss: F.div(total, count), tokenNll: nll }
}

/** Vocabulary rows of W a piece holds (a quantized head's are its stored pieces: weights.ts). */
export function headPieceRows(vocab: number, width: number, quantized: boolean, pieceElements = WEIGHT_PIECE_ELEMENTS): number {
  const rows = Math.max(1, Math.floor(pieceElements / width))
  return Math.min(vocab, quantized ? rows : Math.min(MAX_PIECE_ROWS, rows))
}

function headPieces(head: BoundWeight, pieceElements: number): HeadPiece[] {
  if (head.quantized) {
    return head.quantized.pieces.map((part) => {
      const { q, scales, attrs } = part
      // Scales tied to a run-time value: onnxruntime then neither folds a dequantized copy at
      // session creation nor a reshaped copy of the scales (onnx/emit-quantized.ts).
      const after = (v: Value) => F.add(scales, F.cast(zeroAfter([v]), scales.dtype))
      return {
        firstRow: part.firstRow,
        rows: attrs.rows,
        logits: (x) => F.cast(F.matmulNBits(x, q, F.cast(scales, x.dtype), attrs), 'float32'),
        weigh: (p) => {
          const dtype = p.graph.frozenMatmulDType
          return F.cast(F.matmul(F.cast(p, dtype), F.dequantizeNBits(q, F.cast(after(p), dtype), attrs)), 'float32')
        },
        rowsAt: (indices) => F.cast(F.gatherNBits(q, indices, after(indices), attrs), 'float32'),
      }
    })
  }
  const w = head.value // [V, d] (an embedding table or a Linear weight: both [rows, in])
  const [vocab, width] = w.shape as [number, number]
  const rowsPerPiece = headPieceRows(vocab, width, false, pieceElements)
  const pieces: HeadPiece[] = []
  for (let first = 0; first < vocab; first += rowsPerPiece) {
    const rows = Math.min(rowsPerPiece, vocab - first)
    // The piece's rows gathered at run time, once the input exists: a Slice of the stored W would be
    // folded by onnxruntime into a second copy of those rows (of the whole table, when it is tied).
    let slice: Value | undefined
    // int32 indices: ORT's WebGPU provider has no int64 Add.
    const rowsAfter = (x: Value): Value => (slice ??= F.gather(w, F.add(F.cast(F.iota(w, rows), 'int32'), F.add(F.cast(zeroAfter([x]), 'int32'), first)), 0)) // [rows, d]
    pieces.push({
      firstRow: first,
      rows,
      logits: (x) => F.cast(F.matmul(x, F.transpose(F.cast(rowsAfter(x), x.dtype), [1, 0])), 'float32'),
      weigh: (p) => {
        const dtype = p.graph.frozenMatmulDType
        return F.cast(F.matmul(F.cast(p, dtype), F.cast(rowsAfter(p), dtype)), 'float32')
      },
      rowsAt: (indices) => F.cast(F.gather(rowsAfter(indices), indices, 0), 'float32'),
    })
  }
  return pieces
}
