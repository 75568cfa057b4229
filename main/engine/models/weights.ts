// The builder's view of a checkpoint: roles ("decoder layer 3, q weight") resolve to graph weights
// that point into the model's own safetensors bytes. Each tensor becomes one graph weight, however
// often it is used (a tied embedding feeds both the lookup and the head), so nothing is held twice.
import { F, type DType, type Graph, type Value, type WeightSource } from '../ir'
import type { Stack, WeightLayout, WeightMap, WeightMapEntry, WeightPart } from './weight-map'

/** One stored tensor: its dtype on disk and where its bytes are. */
export interface StoredWeight {
  dtype: DType
  shape: readonly number[]
  source: WeightSource
}

/** What a model builder needs from a checkpoint (main/models builds it from a folder). */
export interface CheckpointWeights {
  map: WeightMap
  /** The stored tensor of a checkpoint name; throws naming the tensor when absent. */
  locate(hfName: string): StoredWeight
}

/** A weight as the builder uses it: the graph value (stored dtype), its layout and HF module path. */
export interface BoundWeight {
  value: Value
  layout: WeightLayout
  /** The HF module that owns it: "model.layers.3.self_attn.q_proj". */
  module: string
  entry: WeightMapEntry
}

export class GraphWeights {
  private readonly byName = new Map<string, Value>()

  constructor(
    private readonly graph: Graph,
    private readonly checkpoint: CheckpointWeights,
  ) {}

  get(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias' = 'weight'): BoundWeight {
    return this.bind(this.checkpoint.map.get(stack, layer, part, param))
  }

  find(stack: Stack, layer: number | null, part: WeightPart, param: 'weight' | 'bias' = 'weight'): BoundWeight | null {
    const entry = this.checkpoint.map.find(stack, layer, part, param)
    return entry ? this.bind(entry) : null
  }

  private bind(entry: WeightMapEntry): BoundWeight {
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
    return { value, layout: entry.layout, module: entry.hfName.replace(/\.(weight|bias)$/, ''), entry }
  }
}

function isHalf(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16'
}
