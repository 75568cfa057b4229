// `train_memory` (docs/BENCHMARKS.md, Training: peak_rss_over_weights): how many times a train-step
// session holds the frozen weights. The `small` Llama-style shape with random weights; each
// measurement runs in a fresh process (train-memory-worker.ts), so peaks do not mix and the
// weights this process writes do not count. A session that reads its weights in place from the
// safetensors file peaks near 1× the weights plus the process baseline and the activations of
// its step; every copy made at session creation (folded transposes, pre-packed operands, a
// float32 copy of half-precision weights) adds about 1×.
import { fileURLToPath } from 'node:url'
import { runBenchWorker } from './child-worker'
import type { BenchOptions } from './engine'
import { llamaWeightShapes, type LlamaShape } from './llama-train-graph'
import { writeRandomWeights, type BenchWeightDType } from './weights-file'

/** docs/BENCHMARKS.md `small`. */
export const SMALL_LLAMA: LlamaShape = { layers: 8, hidden: 512, heads: 8, kvHeads: 4, ffn: 1376, vocab: 32000 }
/** One step of batch 1 × this many tokens: small, so that the weights, not the activations, dominate the peak. */
const STEP_TOKENS = 64

export interface TrainMemoryRequest {
  weightsPath: string
  shape: LlamaShape
  graph: 'train' | 'forward'
  tokens: number
  threads?: number
  prepackWeights?: boolean
}

export interface TrainMemoryResult {
  /** Peak RSS of the process before it builds anything (Node + onnxruntime + the engine's code). */
  baselineRssBytes: number
  sessionSeconds: number
  sessionPeakRssBytes: number
  stepSeconds: number
  /** Peak RSS over session creation and one step. */
  peakRssBytes: number
}

export interface TrainMemoryVariant {
  graph: 'train' | 'forward'
  dtype: BenchWeightDType
  weights_mb: number
  session_seconds: number
  session_peak_rss_mb: number
  peak_rss_mb: number
  peak_rss_over_weights: number
  /** (peak − baseline) / weights: the weight copies plus the step's activations, without the process itself. */
  peak_rss_above_baseline_over_weights: number
}

export interface TrainMemoryFigures {
  bench: 'train_memory'
  shape: LlamaShape
  /** Train step, float32 weights: peak RSS over session creation and one step of batch 1 × `step_tokens`, over the weight bytes. */
  peak_rss_over_weights: number
  peak_rss_above_baseline_over_weights: number
  /** The same over session creation alone. */
  session_peak_rss_over_weights: number
  session_seconds: number
  step_seconds: number
  step_tokens: number
  weights_mb: number
  baseline_rss_mb: number
  peak_rss_mb: number
  /** The train step with float32, float16 and bfloat16 weights, and the forward pass alone. */
  variants: TrainMemoryVariant[]
}

const VARIANTS: { graph: 'train' | 'forward'; dtype: BenchWeightDType }[] = [
  { graph: 'train', dtype: 'float32' },
  { graph: 'forward', dtype: 'float32' },
  { graph: 'train', dtype: 'float16' },
  { graph: 'train', dtype: 'bfloat16' },
]

export async function trainMemory(o: BenchOptions, shape: LlamaShape = SMALL_LLAMA): Promise<TrainMemoryFigures> {
  const variants: TrainMemoryVariant[] = []
  let main: { result: TrainMemoryResult; weightBytes: number } | null = null
  for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
    const file = writeRandomWeights(llamaWeightShapes(shape), dtype)
    try {
      const weightBytes = file.weightBytes
      for (const v of VARIANTS.filter((x) => x.dtype === dtype)) {
        // Session creation is what this bench times: the main variant gets the repetitions.
        const runs = v.graph === 'train' && dtype === 'float32' ? Math.max(1, Math.min(o.reps, 3)) : 1
        const results: TrainMemoryResult[] = []
        for (let i = 0; i < runs; i++) {
          results.push(await runWorker({ weightsPath: file.path, shape, graph: v.graph, tokens: STEP_TOKENS, threads: o.threads }))
        }
        const result = medianResult(results)
        variants.push({
          ...v,
          weights_mb: weightBytes / 1e6,
          session_seconds: result.sessionSeconds,
          session_peak_rss_mb: result.sessionPeakRssBytes / 1e6,
          peak_rss_mb: result.peakRssBytes / 1e6,
          peak_rss_over_weights: result.peakRssBytes / weightBytes,
          peak_rss_above_baseline_over_weights: (result.peakRssBytes - result.baselineRssBytes) / weightBytes,
        })
        if (v.graph === 'train' && dtype === 'float32') main = { result, weightBytes }
      }
    } finally {
      file.remove()
    }
  }
  const { result, weightBytes } = main!
  return {
    bench: 'train_memory',
    shape,
    peak_rss_over_weights: result.peakRssBytes / weightBytes,
    peak_rss_above_baseline_over_weights: (result.peakRssBytes - result.baselineRssBytes) / weightBytes,
    session_peak_rss_over_weights: result.sessionPeakRssBytes / weightBytes,
    session_seconds: result.sessionSeconds,
    step_seconds: result.stepSeconds,
    step_tokens: STEP_TOKENS,
    weights_mb: weightBytes / 1e6,
    baseline_rss_mb: result.baselineRssBytes / 1e6,
    peak_rss_mb: result.peakRssBytes / 1e6,
    variants,
  }
}

/** Each field's median over the runs. */
function medianResult(results: TrainMemoryResult[]): TrainMemoryResult {
  const median = (pick: (r: TrainMemoryResult) => number) => results.map(pick).sort((a, b) => a - b)[Math.floor(results.length / 2)]
  return {
    baselineRssBytes: median((r) => r.baselineRssBytes),
    sessionSeconds: median((r) => r.sessionSeconds),
    sessionPeakRssBytes: median((r) => r.sessionPeakRssBytes),
    stepSeconds: median((r) => r.stepSeconds),
    peakRssBytes: median((r) => r.peakRssBytes),
  }
}

const workerPath = fileURLToPath(new URL('./train-memory-worker.ts', import.meta.url))

function runWorker(request: TrainMemoryRequest): Promise<TrainMemoryResult> {
  return runBenchWorker<TrainMemoryRequest, TrainMemoryResult>(workerPath, request, `train_memory bench (${request.graph})`)
}
