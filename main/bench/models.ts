// Models figures of docs/BENCHMARKS.md: forward and generation tokens/s of a tiny and a
// 1024-wide Llama-style model with random weights, and the peak resident memory of the process
// that runs each, over the bytes of the weights (weights must not be held twice). Each
// measurement runs in a fresh process, so the weights written by the bench do not count.
import { fileURLToPath } from 'node:url'
import { runBenchWorker } from './child-worker'
import type { BenchOptions } from './engine'
import { MODEL_BENCH_SHAPES, writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { FORWARD_BATCH, FORWARD_SEQ, NEW_TOKENS, PROMPT_TOKENS, type ModelWorkerRequest, type ModelWorkerResult } from './model-workload'

export interface ModelFigures {
  bench: 'models'
  model: 'tiny' | 'wide'
  shape: BenchLlamaShape
  parameters: number
  weights_mb: number
  provider: string
  /** Where each measurement ran ("cpu, float32"; on a GPU the forward pass has a static shape, generation not). */
  forward_device: string
  generate_device: string
  forward_tokens_per_s: number
  /** The forward workload: batch × sequence. */
  forward_tokens: string
  generate_tokens_per_s: number
  generate_prefill_s: number
  /** Step time of the last quarter of the new tokens over the first: about 1 when a step does not grow with the sequence. */
  generate_step_growth: number
  generate_workload: string
  session_s: number
  peak_rss_mb_forward: number
  peak_rss_mb_generate: number
  peak_rss_over_weights: number
}

export async function modelFigures(which: 'tiny' | 'wide', o: BenchOptions): Promise<ModelFigures> {
  const shape = MODEL_BENCH_SHAPES[which]
  const folder = writeBenchLlamaFolder(shape)
  try {
    const base = { dir: folder.dir, reps: o.reps, warmup: o.warmup, threads: o.threads, device: o.device }
    const forward = await runWorker({ ...base, measure: 'forward' })
    const generate = await runWorker({ ...base, measure: 'generate' })
    const peak = Math.max(forward.peakRssBytes, generate.peakRssBytes)
    return {
      bench: 'models',
      model: which,
      shape,
      parameters: folder.weightBytes / 4,
      weights_mb: folder.weightBytes / 1e6,
      provider: forward.provider,
      forward_device: forward.device,
      generate_device: generate.device,
      forward_tokens_per_s: forward.tokensPerSecond,
      forward_tokens: `${FORWARD_BATCH}x${FORWARD_SEQ}`,
      generate_tokens_per_s: generate.tokensPerSecond,
      generate_prefill_s: generate.prefillSeconds!,
      generate_step_growth: generate.lastQuarterStepSeconds! / generate.firstQuarterStepSeconds!,
      generate_workload: `${PROMPT_TOKENS} prompt + ${NEW_TOKENS} new tokens, greedy, batch 1`,
      session_s: generate.sessionSeconds,
      peak_rss_mb_forward: forward.peakRssBytes / 1e6,
      peak_rss_mb_generate: generate.peakRssBytes / 1e6,
      peak_rss_over_weights: peak / folder.weightBytes,
    }
  } finally {
    folder.remove()
  }
}

const workerPath = fileURLToPath(new URL('./model-worker.ts', import.meta.url))

function runWorker(request: ModelWorkerRequest): Promise<ModelWorkerResult> {
  return runBenchWorker<ModelWorkerRequest, ModelWorkerResult>(workerPath, request, `models bench (${request.measure})`)
}
