// Blockwise quantization of a frozen weight W [rows = out features, cols = in features], in the
// layout onnxruntime's com.microsoft MatMulNBits and GatherBlockQuantized read:
//   q      uint8 [rows, cols / block, block · bits / 8]: each row's values in blocks of `block`
//          along cols; 4-bit values two per byte, the even column in the low nibble
//   scales float32 [rows, cols / block]
//   W[n, k] = (q[n, k] − zero) · scales[n, k / block], zero = 2^(bits−1) (8 or 128), the default
//   zero point of both ops, so none is stored.
// Symmetric per block, every level used (as onnxruntime's own 4-bit quantizer does): the value of
// largest magnitude, e, gets the extreme level −zero, scale = e / −zero (negative when e > 0).
// Values of e's sign round-trip within |scale| / 2; the other side's extreme can only reach
// zero − 1 and loses at most |scale|. One more level than absmax / (zero − 1): a 1/7 finer step
// in 4 bits. Pure math: no I/O (main/models/quantized writes the cache).

export type QuantBits = 4 | 8

export interface BlockwiseLayout {
  bits: QuantBits
  /** Values per block along cols (a power of two, 16 or more). */
  blockSize: number
  rows: number
  cols: number
  blocks: number
  /** Bytes of one block in q. */
  blockBytes: number
  /** Bytes of one row in q. */
  rowBytes: number
}

/** The zero point MatMulNBits and GatherBlockQuantized assume when none is given. */
export function zeroPoint(bits: QuantBits): number {
  return bits === 4 ? 8 : 128
}

/** Block sizes tried in order, largest first for int8 (its error is small anyway), smallest for int4. */
const BLOCK_SIZES: Record<QuantBits, readonly number[]> = { 4: [32], 8: [128, 64, 32] }

/** The block size used for `cols` input features, or null when no supported size divides it. */
export function chooseBlockSize(bits: QuantBits, cols: number): number | null {
  return BLOCK_SIZES[bits].find((b) => cols % b === 0) ?? null
}

export function blockwiseLayout(bits: QuantBits, blockSize: number, rows: number, cols: number): BlockwiseLayout {
  if (bits !== 4 && bits !== 8) throw new Error(`blockwise quantization supports 4 and 8 bits, got ${String(bits)}`)
  if (!Number.isInteger(blockSize) || blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new Error(`block size ${blockSize} must be a power of two, at least 16`)
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1) throw new Error(`a quantized weight needs positive integer dims, got [${rows}, ${cols}]`)
  if (cols % blockSize !== 0) throw new Error(`${cols} input features are not a multiple of the block size ${blockSize}`)
  const blocks = cols / blockSize
  const blockBytes = (blockSize * bits) / 8
  return { bits, blockSize, rows, cols, blocks, blockBytes, rowBytes: blocks * blockBytes }
}

/**
 * Quantizes rows [0, rowCount) of a row-major float block `w` (rowCount × cols) into `q` and
 * `scales` (already offset to the first of these rows).
 */
export function quantizeRows(layout: BlockwiseLayout, w: ArrayLike<number>, rowCount: number, q: Uint8Array, scales: Float32Array): void {
  const { bits, blockSize, cols, blocks, blockBytes, rowBytes } = layout
  const zero = zeroPoint(bits)
  const f32 = new Float32Array(1)
  for (let r = 0; r < rowCount; r++) {
    for (let b = 0; b < blocks; b++) {
      const start = r * cols + b * blockSize
      let extreme = 0
      for (let j = 0; j < blockSize; j++) if (Math.abs(w[start + j]) > Math.abs(extreme)) extreme = w[start + j]
      f32[0] = extreme === 0 ? 0 : extreme / -zero // the float32 scale the kernels will use decides the rounding
      const scale = f32[0]
      scales[r * blocks + b] = scale
      const inv = scale !== 0 ? 1 / scale : 0
      const base = r * rowBytes + b * blockBytes
      for (let j = 0; j < blockSize; j++) {
        const level = Math.min(2 * zero - 1, Math.max(0, Math.round(w[start + j] * inv) + zero))
        if (bits === 8) q[base + j] = level
        else if (j % 2 === 0) q[base + (j >> 1)] = level
        else q[base + (j >> 1)] |= level << 4
      }
    }
  }
}

/** The quantized level of W[n, k] (0 … 2^bits − 1). */
export function levelAt(layout: BlockwiseLayout, q: ArrayLike<number>, n: number, k: number): number {
  const b = Math.floor(k / layout.blockSize)
  const j = k % layout.blockSize
  const base = n * layout.rowBytes + b * layout.blockBytes
  if (layout.bits === 8) return q[base + j]
  const byte = q[base + (j >> 1)]
  return j % 2 === 0 ? byte & 15 : byte >> 4
}

/** W[n, k] as the kernels compute it. */
export function dequantizedAt(layout: BlockwiseLayout, q: ArrayLike<number>, scales: ArrayLike<number>, n: number, k: number): number {
  return (levelAt(layout, q, n, k) - zeroPoint(layout.bits)) * scales[n * layout.blocks + Math.floor(k / layout.blockSize)]
}
