// The matmul limit on a small chain: float32 only on the CPU; on a GPU (here WebGPU, on lavapipe
// in CI) the fp16 limit too, which GPU training fractions are measured against.
import { describe, expect, it } from 'vitest'
import { matmulLimit } from '../../../main/bench/engine'
import { webgpuUnavailableReason, WEBGPU_REQUIRED } from '../../helpers/webgpu'

const SMALL = { n: 64, ds: [32, 64], layers: 2 }
const unavailable = await webgpuUnavailableReason()

describe('matmulLimit', () => {
  it('on the CPU measures float32 per D, and no half precision', async () => {
    const limit = await matmulLimit({ reps: 2, warmup: 1, device: 'cpu', threads: 1 }, SMALL)
    expect(limit.provider).toBe('cpu')
    expect(Object.keys(limit.by_d).sort()).toEqual(['32', '64'])
    expect(Object.keys(limit.by_precision)).toEqual(['fp32'])
    expect(limit.matmul_limit_gflops).toBe(Math.max(...Object.values(limit.by_d)))
    expect(limit.matmul_limit_gflops).toBeGreaterThan(0)
  })

  it.skipIf(unavailable !== null && !WEBGPU_REQUIRED)('on a GPU also measures the fp16 limit', async () => {
    const limit = await matmulLimit({ reps: 2, warmup: 1, device: 'webgpu' }, SMALL)
    expect(limit.provider).toBe('webgpu')
    expect(Object.keys(limit.by_precision).sort()).toEqual(['fp16', 'fp32'])
    expect(limit.by_precision.fp16).toBeGreaterThan(0)
    expect(limit.matmul_limit_gflops).toBe(limit.by_precision.fp32)
  })
})
