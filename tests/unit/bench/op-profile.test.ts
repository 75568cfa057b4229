// The app's step by op type from onnxruntime's profiler (bench pytorch-eager --profile): on the CPU
// each node's kernel time, on WebGPU the GPU's own times from timestamp queries (a kernel call there
// only queues work). A real train step of a tiny model, profiled over two runs; only the last counts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stepProfile } from '../../../main/bench/op-profile'
import { benchBatch, openStep } from '../../../main/bench/training'
import { openModel, type OpenedModel } from '../../../main/models'
import { profileFileFor } from '../../../main/runtime/placement'
import { writeTinyModel } from '../../helpers/tiny-models'
import { webgpuUnavailableReason } from '../../helpers/webgpu'

const unavailable = await webgpuUnavailableReason()
let dir: string
let model: OpenedModel

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ms-op-profile-'))
  model = openModel(writeTinyModel(join(dir, 'model'), 'llama').dir)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function profiledStep(device: 'cpu' | 'webgpu') {
  const prefix = join(dir, `profile-${device}`)
  const shape = { hidden: model.spec.hiddenSize, layers: 1, heads: 1, kvHeads: 1, ffn: 1, vocab: model.spec.vocabSize }
  const o = { reps: 1, warmup: 0, device, shape: 'small' as const, batch: 2, seq: 8, threads: 1 }
  const app = await openStep(model, { method: 'molora', experts: 2, rank: 2 }, o, benchBatch(shape, 2, 8), prefix)
  try {
    await app.run()
    await app.run()
    app.step.session.endProfiling()
    const file = profileFileFor(prefix)
    return { profile: stepProfile(file, 5), ops: stepProfile(file, 1000).by_op, provider: app.step.target.provider }
  } finally {
    await app.step.session.dispose()
  }
}

function expectConsistent(profile: ReturnType<typeof stepProfile>) {
  expect(profile.by_op).toHaveLength(6) // the top 5 and "(other)"
  expect(profile.by_op.at(-1)!.op).toBe('(other)')
  const ms = profile.by_op.map((t) => t.ms)
  expect(ms.slice(0, 5)).toEqual([...ms.slice(0, 5)].sort((a, b) => b - a))
  expect(profile.by_op.reduce((n, t) => n + t.share, 0)).toBeCloseTo(profile.kernel_share, 9)
  expect(profile.by_op.reduce((n, t) => n + t.ms, 0)).toBeCloseTo(profile.kernel_share * profile.run_ms, 6)
}

describe('a step profile by op type', () => {
  it('on the CPU, from each kernel call', async () => {
    const { profile, ops, provider } = await profiledStep('cpu')
    expect(provider).toBe('cpu')
    expect(profile.timing).toBe('kernel calls')
    expectConsistent(profile)
    expect(ops.map((t) => t.op)).toEqual(expect.arrayContaining(['MatMul', 'Gemm']))
    expect(ops.every((t) => t.providers.length === 1 && t.providers[0] === 'CPUExecutionProvider')).toBe(true)
    // Sequential kernels on the one run: together they cannot outlast it.
    expect(profile.kernel_share).toBeLessThanOrEqual(1)
  }, 60_000)

  it.skipIf(unavailable !== null)('on WebGPU, from the GPU timestamps', async () => {
    const { profile, ops, provider } = await profiledStep('webgpu')
    expect(provider).toBe('webgpu')
    expect(profile.timing).toBe('gpu timestamps')
    expectConsistent(profile)
    expect(ops.find((t) => t.op === 'MatMul')!.providers).toEqual(['WebGpuExecutionProvider'])
  }, 120_000)
})
