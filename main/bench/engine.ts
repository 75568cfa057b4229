// Engine figures of docs/BENCHMARKS.md "Engine". Reports, never timed tests.
import { cpus } from 'node:os'
import { gradients } from '../engine/autodiff'
import { F, Graph, type Value } from '../engine/ir'
import { linear } from '../engine/nn'
import { createGraphSession, hostTensor, type CreateSessionOptions, type Precision } from '../runtime'
import { buildLlamaTrainStep } from './llama-train-graph'
import { randomFloats, timeRepeated } from './timing'
import { writeRandomWeights } from './weights-file'

export interface BenchOptions {
  reps: number
  warmup: number
  threads?: number
  device?: CreateSessionOptions['device']
}

export interface MatmulLimit {
  bench: 'matmul_limit_gflops'
  /** float32, as docs/BENCHMARKS.md defines it. */
  matmul_limit_gflops: number
  by_d: Record<string, number>
  /**
   * On a GPU also the half-precision limits (fp16; bf16 on CUDA): a GPU trains with half-precision
   * frozen products, and a training fraction is only fair against the limit of its own precision.
   */
  by_precision: Partial<Record<Precision, number>>
  threads: number
  provider: string
}

/** docs/BENCHMARKS.md's chain: N = 2048 rows through 8 MatMuls of D ∈ {1024, 2048}. Tests pass smaller. */
export interface MatmulChainSizes {
  n: number
  ds: readonly number[]
  layers: number
}

const N = 2048
const LAYERS = 8
const BENCHMARK_CHAIN: MatmulChainSizes = { n: N, ds: [1024, 2048], layers: LAYERS }

const HALF_DTYPE = { fp16: 'float16', bf16: 'bfloat16' } as const

/** The precisions whose limit `provider` can measure: float32 everywhere, fp16 on GPUs, bf16 on CUDA. */
function limitPrecisions(provider: string): Precision[] {
  if (provider === 'cpu') return ['fp32']
  return provider === 'cuda' ? ['fp32', 'fp16', 'bf16'] : ['fp32', 'fp16']
}

/**
 * Best throughput over D of a chain of MatMuls reduced to a scalar in the graph, in float32 and
 * (on a GPU) in the half precisions: input and weights cast once, the sum taken in float32.
 */
export async function matmulLimit(o: BenchOptions, sizes: MatmulChainSizes = BENCHMARK_CHAIN): Promise<MatmulLimit> {
  const byPrecision: Partial<Record<Precision, number>> = {}
  const byD: Record<string, number> = {}
  let provider = ''
  let precisions: Precision[] = ['fp32']
  for (let p = 0; p < precisions.length; p++) {
    const precision = precisions[p]
    for (const D of sizes.ds) {
      const weights = writeRandomWeights(Object.fromEntries(Array.from({ length: sizes.layers }, (_, i) => [`w${i}`, [D, D] as [number, number]])))
      try {
        const g = new Graph()
        const w = weights.declare(g)
        const half = precision === 'fp32' ? null : HALF_DTYPE[precision]
        let h: Value = g.input('x', 'float32', [sizes.n, D])
        if (half) h = F.cast(h, half)
        for (let i = 0; i < sizes.layers; i++) h = F.matmul(h, half ? F.cast(w[`w${i}`], half) : w[`w${i}`]) // [N, D]
        g.output('total', F.sum(half ? F.cast(h, 'float32') : h, [0, 1]))
        const session = await createGraphSession(g, { device: o.device ?? 'cpu', threads: o.threads })
        provider = session.provider
        const x = hostTensor('float32', [sizes.n, D], randomFloats(sizes.n * D, 1, 7))
        const t = await timeRepeated(() => session.run({ x }), o.reps, o.warmup)
        const gflops = (2 * sizes.n * D * D * sizes.layers) / t.median / 1e9
        if (precision === 'fp32') byD[D] = gflops
        byPrecision[precision] = Math.max(byPrecision[precision] ?? 0, gflops)
        await session.dispose()
      } finally {
        weights.remove()
      }
    }
    // The provider is known once the first session opened.
    if (p === 0) precisions = limitPrecisions(provider)
  }
  return {
    bench: 'matmul_limit_gflops', matmul_limit_gflops: byPrecision.fp32!, by_d: byD, by_precision: byPrecision,
    threads: o.threads ?? cpus().length, provider,
  }
}

export type WeightLayout = 'hf' | 'pretransposed'

export interface FwdBwd {
  bench: 'fwd_bwd_fraction_of_limit'
  fwd_bwd_fraction_of_limit: number
  fwd_bwd_gflops: number
  seconds_per_step: number
  layout: WeightLayout
  optimization: string
  variants: { layout: WeightLayout; optimization: string; gflops: number }[]
}

/**
 * 8 frozen linear layers (D = 1024, N = 2048), each followed by a trainable elementwise vector;
 * loss = Σ output; gradients for the 8 vectors. FLOPs 2·N·D²·(2·8 − 1): 8 forward products and
 * 7 input-gradient products (the first layer's input needs none).
 * Variants: weight in HF layout [out, in] (forward x·Wᵀ) or stored pre-transposed [in, out].
 */
export async function fwdBwdFraction(limitGflops: number, o: BenchOptions): Promise<FwdBwd> {
  const D = 1024
  const flops = 2 * N * D * D * (2 * LAYERS - 1)
  const variants: FwdBwd['variants'] = []
  let best: { layout: WeightLayout; optimization: string; gflops: number; seconds: number } | null = null
  const weights = writeRandomWeights(Object.fromEntries(Array.from({ length: LAYERS }, (_, i) => [`w${i}`, [D, D] as [number, number]])))
  try {
    for (const layout of ['hf', 'pretransposed'] as const) {
      for (const optimization of ['all', 'extended'] as const) {
        const g = new Graph()
        const w = weights.declare(g)
        const vectors = Array.from({ length: LAYERS }, (_, i) => g.input(`v${i}`, 'float32', [D]))
        let h: Value = g.input('x', 'float32', [N, D])
        for (let i = 0; i < LAYERS; i++) {
          const y = layout === 'hf' ? linear(h, w[`w${i}`]) : F.matmul(h, w[`w${i}`]) // [N, D]
          h = F.mul(y, vectors[i])
        }
        const loss = F.sum(h, [0, 1])
        g.output('loss', loss)
        gradients(loss, vectors).forEach((grad, i) => g.output(`grad_v${i}`, grad))
        const session = await createGraphSession(g, { device: o.device ?? 'cpu', threads: o.threads, optimizationLevel: optimization })
        const feeds: Record<string, ReturnType<typeof hostTensor>> = { x: hostTensor('float32', [N, D], randomFloats(N * D, 1, 3)) }
        vectors.forEach((_, i) => (feeds[`v${i}`] = hostTensor('float32', [D], new Float32Array(D).fill(1))))
        const t = await timeRepeated(() => session.run(feeds), o.reps, o.warmup)
        await session.dispose()
        const gflops = flops / t.median / 1e9
        variants.push({ layout, optimization, gflops })
        if (!best || gflops > best.gflops) best = { layout, optimization, gflops, seconds: t.median }
      }
    }
  } finally {
    weights.remove()
  }
  return {
    bench: 'fwd_bwd_fraction_of_limit',
    fwd_bwd_fraction_of_limit: best!.gflops / limitGflops,
    fwd_bwd_gflops: best!.gflops,
    seconds_per_step: best!.seconds,
    layout: best!.layout,
    optimization: best!.optimization,
    variants,
  }
}

export interface BuildSeconds {
  bench: 'build_seconds_24x1024'
  build_seconds_24x1024: number
  graph_seconds: number
  emit_seconds: number
  session_seconds: number
  nodes: number
  model_bytes: number
  weight_bytes: number
}

/** Graph construction + ONNX emission + session creation of a 24-layer, width-1024 Llama-style train step. */
export async function buildSeconds(o: BenchOptions): Promise<BuildSeconds> {
  const result = await buildLlamaTrainStep({ layers: 24, hidden: 1024, heads: 16, kvHeads: 8, ffn: 2816, vocab: 32000 }, { device: o.device ?? 'cpu', threads: o.threads })
  return { bench: 'build_seconds_24x1024', build_seconds_24x1024: result.graphSeconds + result.emitSeconds + result.sessionSeconds, graph_seconds: result.graphSeconds, emit_seconds: result.emitSeconds, session_seconds: result.sessionSeconds, nodes: result.nodes, model_bytes: result.modelBytes, weight_bytes: result.weightBytes }
}
