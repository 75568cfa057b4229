// The builder's view of a checkpoint: roles ("decoder layer 3, q weight") resolve to graph weights
// that point into the model's own safetensors bytes. Each tensor becomes one graph weight, however
// often it is used (a tied embedding feeds both the lookup and the head), so nothing is held twice.
import { F, type DType, type Graph, type QuantizedAttrs, type Value, type WeightSource } from '../ir'
import type { QuantizedPart, QuantizedWeight } from '../nn'
import { blockwiseLayout } from '../quant/blockwise'
import type { Stack, WeightLayout, WeightMap, WeightMapEntry, WeightPart } from './weight-map'

/** One stored tensor: its dtype on disk and where its bytes are. */
export interface StoredWeight {
  dtype: DType
  shape: readonly number[]
  source: WeightSource
}

/**
 * A tensor stored blockwise-quantized (main/engine/quant/blockwise.ts) as W [rows = out, cols = in],
 * whatever its checkpoint layout (GPT-2's Conv1D [in, out] is quantized transposed).
 */
export interface QuantizedStoredWeight {
  attrs: QuantizedAttrs
  /** uint8 [rows, blocks, blockBytes] */
  q: WeightSource
  /** float32 [rows, blocks] */
  scales: WeightSource
}

/** What a model builder needs from a checkpoint (main/models builds it from a folder). */
export interface CheckpointWeights {
  map: WeightMap
  /** The stored tensor of a checkpoint name; throws naming the tensor when absent. */
  locate(hfName: string): StoredWeight
  /** The quantized copy of a tensor when the model is opened with a quantized base (model.quantize), else null. */
  quantized?(hfName: string): QuantizedStoredWeight | null
}

/** A weight as the builder uses it: the graph value (stored dtype), its layout and HF module path. */
export interface BoundWeight {
  /** The float tensor; reading it for a quantized weight is an error (use `quantized`). */
  readonly value: Value
  /** Set when the base is quantized and this tensor is: products and lookups read this instead. */
  quantized: QuantizedWeight | null
  layout: WeightLayout
  /** The HF module that owns it: "model.layers.3.self_attn.q_proj". */
  module: string
  entry: WeightMapEntry
}

/**
 * Elements of W in float32 at once (16 MB): a quantized product dequantizes one piece at a time, and
 * the loss through the head (head-loss.ts) holds one piece's logits at a time. Bigger weights are
 * multiplied in row pieces.
 */
export const WEIGHT_PIECE_ELEMENTS = 4 * 1024 * 1024

export class GraphWeights {
  private readonly byName = new Map<string, Value>()
  private readonly quantizedByName = new Map<string, QuantizedWeight>()

  constructor(
    private readonly graph: Graph,
    private readonly checkpoint: CheckpointWeights,
    /** Elements per row piece of a quantized weight (tests make it small to get several pieces). */
    private readonly pieceElements = WEIGHT_PIECE_ELEMENTS,
  ) {}

  get(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias' = 'weight'): BoundWeight {
    return this.bind(this.checkpoint.map.get(stack, layer, part, param))
  }

  find(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias' = 'weight'): BoundWeight | null {
    const entry = this.checkpoint.map.find(stack, layer, part, param)
    return entry ? this.bind(entry) : null
  }

  private bind(entry: WeightMapEntry): BoundWeight {
    const module = entry.hfName.replace(/\.(weight|bias)$/, '')
    const quantized = this.bindQuantized(entry)
    if (quantized) {
      return {
        get value(): Value {
          throw new Error(`weight "${entry.hfName}" is quantized (model.quantize): read it through BoundWeight.quantized`)
        },
        quantized,
        layout: entry.layout,
        module,
        entry,
      }
    }
    return { value: this.bindFloat(entry), quantized: null, layout: entry.layout, module, entry }
  }

  private bindFloat(entry: WeightMapEntry): Value {
    let value = this.byName.get(entry.hfName)
    if (!value) {
      const stored = this.checkpoint.locate(entry.hfName)
      if (stored.shape.length !== entry.shape.length || stored.shape.some((d, i) => d !== entry.shape[i])) {
        throw new Error(`weight "${entry.hfName}" is [${stored.shape.join(', ')}] in the checkpoint, the model needs [${entry.shape.join(', ')}]`)
      }
      value = this.graph.weight(entry.hfName, stored.dtype, entry.shape, stored.source)
      // A graph computing in one half type reads weights stored in the other through one cast
      // (folded at session creation): WebGPU has no bfloat16 kernels at all, not even Gather.
      const half = this.graph.frozenMatmulDType
      if (isHalf(half) && isHalf(stored.dtype) && stored.dtype !== half) value = F.cast(value, half)
      this.byName.set(entry.hfName, value)
    }
    return value
  }

  private bindQuantized(entry: WeightMapEntry): QuantizedWeight | null {
    const known = this.quantizedByName.get(entry.hfName)
    if (known) return known
    const stored = this.checkpoint.quantized?.(entry.hfName) ?? null
    if (!stored) return null
    const { attrs } = stored
    const expected = entry.layout === 'conv1d' ? [entry.shape[1], entry.shape[0]] : entry.shape
    if (expected.length !== 2 || expected[0] !== attrs.rows || expected[1] !== attrs.cols) {
      throw new Error(`the quantized copy of "${entry.hfName}" is [${attrs.rows}, ${attrs.cols}], the model needs [${expected.join(', ')}]: delete the quantized cache folder and run again`)
    }
    const layout = blockwiseLayout(attrs.bits, attrs.blockSize, attrs.rows, attrs.cols)
    const part = (firstRow: number, rows: number, suffix: string): QuantizedPart => ({
      attrs: { ...attrs, rows },
      firstRow,
      q: this.graph.weight(`${entry.hfName}.q${attrs.bits}${suffix}`, 'uint8', [rows, layout.blocks, layout.blockBytes], rowRange(stored.q, layout.rowBytes, firstRow, rows)),
      scales: this.graph.weight(`${entry.hfName}.scales${suffix}`, 'float32', [rows, layout.blocks], rowRange(stored.scales, layout.blocks * 4, firstRow, rows, layout.blocks)),
    })
    const whole = part(0, attrs.rows, '')
    const pieceRows = Math.max(1, Math.floor(this.pieceElements / attrs.cols))
    const pieces: QuantizedPart[] = []
    if (attrs.rows <= pieceRows) pieces.push(whole)
    else for (let r = 0; r < attrs.rows; r += pieceRows) pieces.push(part(r, Math.min(pieceRows, attrs.rows - r), `.rows${r}`))
    const weight = { whole, pieces }
    this.quantizedByName.set(entry.hfName, weight)
    return weight
  }
}

/** Rows [first, first + count) of a row-major tensor's bytes (`valuesPerRow` elements per row when inline). */
function rowRange(source: WeightSource, bytesPerRow: number, first: number, count: number, valuesPerRow = bytesPerRow): WeightSource {
  if (source.kind === 'file') return { kind: 'file', path: source.path, offset: source.offset + first * bytesPerRow, length: count * bytesPerRow }
  return { kind: 'inline', data: Array.from(source.data).slice(first * valuesPerRow, (first + count) * valuesPerRow) }
}

function isHalf(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16'
}
