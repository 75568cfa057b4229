// What a graph is built for: the execution provider, the precision of its frozen products, and
// (on a GPU) the static batch shape every batch is padded to. docs/DESIGN.md "Precision": the CPU
// computes in float32; a GPU multiplies by the frozen weights in fp16 or bf16 while activations,
// norms, softmax, loss, routers and adapters stay float32. Train steps (main/train/step-graph.ts)
// and forward passes (main/models/inference/forward.ts) share it.
import type { DType, GraphOptions } from '../engine/ir'
import type { EmitTarget } from '../engine/onnx'
import type { SessionProvider } from './provider-choice'

export type Precision = 'fp32' | 'fp16' | 'bf16'
/** The run configuration's train.precision (main/contract/run-config.ts). */
export type RequestedPrecision = 'auto' | Precision

/** The one shape a GPU step graph runs at: batches are padded to it (see batches.ts). */
export interface StaticBatchShape {
  batch: number
  /** Tokens per row (T5: encoder tokens). */
  seq: number
  /** T5: decoder tokens per row. */
  tgt?: number
  /**
   * Decoder-only: the length of label_positions, at least the labelled tokens of any batch of the
   * run (staticBatchShape) or of the scored set (ExampleScorer), when that is fewer than batch · seq;
   * the graph then runs the LM head over that many rows instead of every token (engine/models/
   * label-rows.ts, on the providers takesLabelRows names).
   */
  labeled?: number
}

/**
 * `shape` bounding its labelled tokens by `bound` (StaticBatchShape.labeled), when that is fewer
 * than its batch · seq tokens: a bound no smaller saves nothing, so the head stays at every token.
 */
export function withLabelledBound(shape: StaticBatchShape, bound: number): StaticBatchShape {
  return bound < shape.batch * shape.seq ? { ...shape, labeled: Math.max(bound, 1) } : shape
}

export interface ComputeTarget {
  provider: SessionProvider
  precision: Precision
  /**
   * null on the CPU: one symbolic graph serves every batch shape. null on a GPU: a dynamic-shape
   * graph (generation), whose session checks where its nodes run (session.ts dynamicShapes).
   */
  shape: StaticBatchShape | null
}

/**
 * Model types trained in bf16 whose activations are known to overflow fp16 (65504): T5's
 * feed-forward outputs (the reason transformers clamps them in fp16), and Gemma 3's, reported to
 * reach infinities in fp16 (Gemma 3 is run in bf16 or float32 by transformers' and Unsloth's advice).
 */
const HALF_OVERFLOWING_MODELS: ReadonlySet<string> = new Set(['t5', 'gemma3_text'])

/** The dtype each precision multiplies frozen weights in. */
export const FROZEN_MATMUL_DTYPE: Record<Precision, DType> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' }

/**
 * The precision `requested` resolves to on `provider`, or why that provider cannot train in it.
 * `storedDType` is the dtype of the model's weights: a bf16 checkpoint keeps bf16 on CUDA.
 * Models whose activations exceed fp16's range (65504) in trained checkpoints get bf16 on CUDA and
 * float32 elsewhere from auto (HALF_OVERFLOWING_MODELS); fp16 stays available when asked for.
 */
export function resolvePrecision(provider: SessionProvider, requested: RequestedPrecision, storedDType: string, modelType?: string): { precision: Precision } | { refused: string } {
  if (provider === 'cpu') {
    if (requested === 'auto' || requested === 'fp32') return { precision: 'fp32' }
    return { refused: `precision ${requested} needs a GPU: the CPU trains in float32 (its kernels multiply in float32 anyway); use precision auto or fp32, or a cuda/webgpu/dml device` }
  }
  if (requested === 'bf16' && provider !== 'cuda') {
    return { refused: `precision bf16 needs CUDA: ${provider} has no bfloat16 kernels; use fp16 (or auto)` }
  }
  if (requested === 'auto' && modelType !== undefined && HALF_OVERFLOWING_MODELS.has(modelType)) return { precision: provider === 'cuda' ? 'bf16' : 'fp32' }
  if (requested === 'auto') return { precision: provider === 'cuda' && storedDType === 'bfloat16' ? 'bf16' : 'fp16' }
  return { precision: requested }
}

/** Graph inputs fed in a non-int64 dtype on a GPU (the builders cast what they read; see GraphOptions.inputDTypes). */
const GPU_INPUT_DTYPES: Readonly<Record<string, DType>> = {
  attention_mask: 'float32',
  decoder_attention_mask: 'float32',
  label_mask: 'float32',
  labels: 'int32',
  position_ids: 'int32',
  // Compared with position_ids (sliding windows, T5's relative buckets) in generation steps.
  cache_positions: 'int32',
  // Its gradient (a scatter-add) broadcasts it to the rows' shape: WebGPU has no int64 Expand, and
  // would run that one on the CPU.
  label_positions: 'int32',
}

/**
 * GPU providers that run the labelled-token head's scatter-add (ScatterElements, reduction add):
 * WebGPU (tested on lavapipe with CPU fallback refused) and CUDA (its kernel takes the reduction).
 * DirectML's scatter has no reduction, so a DirectML step keeps the head at every token rather
 * than fail to build.
 */
const LABEL_ROW_GPU_PROVIDERS: ReadonlySet<SessionProvider> = new Set(['webgpu', 'cuda'])

/**
 * Whether graphs for `target` can run the head at the labelled tokens only (engine/models/
 * label-rows.ts), whose count changes with every batch: a CPU graph keeps symbolic batch dims (one
 * session for every batch shape); a GPU graph has one static shape, so it can when that shape
 * bounds the count (StaticBatchShape.labeled: the positions are padded to it).
 */
export function takesLabelRows(target: ComputeTarget): boolean {
  return target.provider === 'cpu' || (target.shape?.labeled !== undefined && LABEL_ROW_GPU_PROVIDERS.has(target.provider))
}

/** How the step graph for `target` is built and emitted. */
export function graphOptionsFor(target: ComputeTarget): { graph: GraphOptions; emit: EmitTarget } {
  if (target.provider === 'cpu') return { graph: {}, emit: 'cpu' }
  // No shape: a dynamic-shape GPU graph (generation), whose session checks its placement instead.
  const fixedDims = target.shape
    ? {
        batch: target.shape.batch,
        seq: target.shape.seq,
        src: target.shape.seq,
        ...(target.shape.tgt !== undefined ? { tgt: target.shape.tgt } : {}),
        ...(target.shape.labeled !== undefined ? { labeled: target.shape.labeled } : {}),
      }
    : {}
  return {
    graph: {
      fixedDims,
      inputDTypes: GPU_INPUT_DTYPES,
      frozenMatmulDType: FROZEN_MATMUL_DTYPE[target.precision],
    },
    emit: 'gpu',
  }
}

/** "webgpu, fp16 frozen products, batches padded to 8 × 256" for the run log. */
export function describeTarget(target: ComputeTarget): string {
  if (target.provider === 'cpu') return 'cpu, float32'
  const shape = target.shape ? `, batches padded to ${target.shape.batch} × ${target.shape.seq}${target.shape.tgt !== undefined ? ` → ${target.shape.tgt}` : ''}` : ''
  const products = target.precision === 'fp32' ? 'float32' : `${target.precision} frozen products, float32 adapters`
  return `${target.provider}, ${products}${shape}`
}
