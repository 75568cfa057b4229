// Which tensors of a model a quantized base (model.quantize) stores in 4 or 8 bits, and in what
// blocks: every projection weight (torch Linear [out, in], GPT-2's Conv1D [in, out], the LM head)
// and the token embedding table, when their in-features are a multiple of a supported block size.
// Norms, biases, position tables and T5's bucket table stay as stored: they are small, and a norm
// scale is no matrix. One place decides, for the cache (quantize-folder.ts) and the estimate.
import type { WeightMapEntry } from '../../engine/models/weight-map'
import type { QuantizeScheme } from '../../contract'
import { blockwiseLayout, chooseBlockSize, type QuantBits } from '../../engine/quant/blockwise'

export type { QuantizeScheme }

export function schemeBits(scheme: Exclude<QuantizeScheme, 'none'>): QuantBits {
  return scheme === 'int4' ? 4 : 8
}

export interface QuantizedTensorPlan {
  hfName: string
  /** W as the kernels read it: [rows = out features, cols = in features] (a Conv1D weight transposed). */
  rows: number
  cols: number
  transposed: boolean
  blockSize: number
  bits: QuantBits
  /** Bytes of the quantized values and of the float32 scales. */
  qBytes: number
  scaleBytes: number
}

export interface QuantizationPlan {
  tensors: QuantizedTensorPlan[]
  /** Tensors that would qualify but keep their stored dtype, each with why. */
  kept: { hfName: string; why: string }[]
}

export function quantizationPlan(entries: readonly WeightMapEntry[], scheme: Exclude<QuantizeScheme, 'none'>): QuantizationPlan {
  const bits = schemeBits(scheme)
  const tensors: QuantizedTensorPlan[] = []
  const kept: QuantizationPlan['kept'] = []
  const seen = new Set<string>()
  for (const e of entries) {
    if (seen.has(e.hfName) || !isQuantizable(e)) continue
    seen.add(e.hfName) // a tied embedding is one tensor under two roles
    const transposed = e.layout === 'conv1d'
    const [rows, cols] = transposed ? [e.shape[1], e.shape[0]] : [e.shape[0], e.shape[1]]
    const blockSize = chooseBlockSize(bits, cols)
    if (blockSize === null) {
      kept.push({ hfName: e.hfName, why: `its ${cols} input features are not a multiple of 32` })
      continue
    }
    const layout = blockwiseLayout(bits, blockSize, rows, cols)
    tensors.push({ hfName: e.hfName, rows, cols, transposed, blockSize, bits, qBytes: rows * layout.rowBytes, scaleBytes: rows * layout.blocks * 4 })
  }
  return { tensors, kept }
}

/** Bytes of the copy's weights file: every tensor's quantized values and scales (alignment aside). */
export function planBytes(plan: QuantizationPlan): number {
  return plan.tensors.reduce((n, t) => n + t.qBytes + t.scaleBytes, 0)
}

function isQuantizable(e: WeightMapEntry): boolean {
  if (e.role.param !== 'weight' || e.shape.length !== 2) return false
  if (e.layout === 'linear' || e.layout === 'conv1d') return true
  return e.layout === 'embedding' && e.role.part === 'embed_tokens'
}
