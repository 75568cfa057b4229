// This CPU's float32 MatMul throughput through onnxruntime, in a fraction of a second: what the
// time estimate divides a step's FLOPs by before the configuration itself has been timed. A fixed
// per-core figure was off by 10× and more (a 2-core AVX-512 machine sustains ~100 GFLOP/s a core,
// an older laptop core a fifth of that); one measured product is not.
// The same chain as bench's matmul limit (main/bench/engine.ts), smaller: rows 512, width 1024, 4
// products (4.3 GFLOP a run), weights fed rather than stored, so nothing is written to disk.
import { F, Graph, type Value } from '../engine/ir'
import { createGraphSession } from './graph-session'
import { hostTensor } from './tensors'

const ROWS = 512
const WIDTH = 1024
const PRODUCTS = 4
/** Runs timed after the first; the fastest counts (noise only ever slows a run). */
const TIMED_RUNS = 8

export interface CpuMatmulRate {
  /** Float32 GFLOP/s of the fastest timed run: what the CPU sustains when nothing else runs. */
  gflops: number
  /** Seconds the whole measurement took, the session's build included. */
  seconds: number
}

export async function measureCpuMatmulRate(options: { threads?: number } = {}): Promise<CpuMatmulRate> {
  const started = performance.now()
  const g = new Graph()
  let h: Value = g.input('x', 'float32', [ROWS, WIDTH])
  for (let i = 0; i < PRODUCTS; i++) h = F.matmul(h, g.input(`w${i}`, 'float32', [WIDTH, WIDTH]))
  g.output('total', F.sum(h, [0, 1]))
  const session = await createGraphSession(g, { device: 'cpu', ...(options.threads ? { threads: options.threads } : {}) })
  try {
    // Values of magnitude ~1/√width keep every product's sums in range.
    const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => (((i * 2654435761 + seed) % 1000) / 1000 - 0.5) / 16)
    const feeds = { x: hostTensor('float32', [ROWS, WIDTH], values(ROWS * WIDTH, 1)), ...Object.fromEntries(Array.from({ length: PRODUCTS }, (_, i) => [`w${i}`, hostTensor('float32', [WIDTH, WIDTH], values(WIDTH * WIDTH, i + 2))])) }
    // The first runs allocate, pack and wake the threads (and the cores' clocks): not timed.
    for (let w = 0; w < 2; w++) await session.run(feeds)
    const times: number[] = []
    for (let r = 0; r < TIMED_RUNS; r++) {
      const t0 = performance.now()
      await session.run(feeds)
      times.push((performance.now() - t0) / 1000)
    }
    return { gflops: (2 * ROWS * WIDTH * WIDTH * PRODUCTS) / Math.min(...times) / 1e9, seconds: (performance.now() - started) / 1000 }
  } finally {
    await session.dispose()
  }
}
