// A run end to end in-process, through the store and the run folder: what is recorded, resume
// equal to the uninterrupted run, atomic checkpoints, the NaN guard, adapter.init.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { openStore } from '../../../main/store'
import { readAdapterFolder } from '../../../main/train/adapter-files'
import { listCheckpoints } from '../../../main/train/checkpoint'
import { runFolder, runTraining } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let dataDir: string
let baseConfig: RunConfig

beforeAll(() => {
  tmp = makeTempDir('ms-train-run-')
  dataDir = join(tmp.dir, 'home')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 24)
  baseConfig = RunConfig.parse({
    model,
    data: { train, split: 4, max_length: 64 },
    adapter: { method: 'mov', experts: 2 },
    train: { lr: 0.05, batch_size: 4, grad_accum: 2, max_steps: 8, eval_every: 4, save_every: 2, seed: 5, schedule: 'cosine', warmup_steps: 2 },
    device: 'cpu',
  })
})
afterAll(() => tmp.remove())

function newRun(config: RunConfig = baseConfig): string {
  const store = openStore(dataDir)
  try {
    return store.runs.create({ name: 'test', config, method: config.adapter.method }).id
  } finally {
    store.close()
  }
}

function lossCurve(runId: string): number[] {
  const store = openStore(dataDir)
  try {
    return store.metrics.curve(runId, 'loss').map((p) => p.value)
  } finally {
    store.close()
  }
}

describe('a run', () => {
  let runId: string
  const events: RunEvent[] = []

  beforeAll(async () => {
    runId = newRun()
    const outcome = await runTraining({ dataDir, runId, threads: 1, onEvent: (e) => events.push(e) })
    expect(outcome).toMatchObject({ status: 'completed', step: 8, error: null })
  })

  it('records config, status, metrics, checkpoints and the final adapter in the store', () => {
    const store = openStore(dataDir)
    try {
      const run = store.runs.get(runId)!
      expect(run).toMatchObject({ status: 'completed', method: 'mov', error: null, pid: null, trainedOn: 'cpu, float32' })
      expect(RunConfig.parse(run.config)).toEqual(baseConfig)
      expect(store.metrics.curve(runId, 'loss').map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(store.metrics.curve(runId, 'lr')[0].value).toBe(0) // cosine with warmup starts at 0
      expect(store.metrics.curve(runId, 'eval_loss').map((p) => p.step)).toEqual([0, 4, 8])
      expect(store.metrics.curve(runId, 'tokens').map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
      expect(store.metrics.curve(runId, 'tokens').every((p) => Number.isInteger(p.value) && p.value > 0)).toBe(true)
      expect(store.metrics.names(runId)).toEqual(expect.arrayContaining(['grad_norm', 'tokens_per_s', 'router.model.layers.0.mlp.entropy', 'router.model.layers.0.mlp.load.1']))
      // the newest three checkpoints are kept, on disk and in the store
      const kept = store.artifacts.listCheckpoints(runId)
      expect(kept.map((c) => c.step)).toEqual([4, 6, 8])
      expect(listCheckpoints(join(runFolder(dataDir, runId), 'checkpoints')).map((c) => c.step)).toEqual([4, 6, 8])
      const [adapter] = store.artifacts.listExports(runId)
      expect(adapter).toMatchObject({ format: 'native', path: join(runFolder(dataDir, runId), 'adapter') })
      const folder = readAdapterFolder(adapter.path)
      expect(folder.config).toMatchObject({ format: 'mixture-studio-adapter', version: 1, method: 'mov', num_experts: 2, step: 8 })
      expect(folder.tensors.get('model.layers.0.self_attn.k_proj.mov_vectors')?.shape).toEqual([2, 2, 8])
      expect(existsSync(join(runFolder(dataDir, runId), 'config.json'))).toBe(true)
    } finally {
      store.close()
    }
  })

  it('streams step, eval, checkpoint and status events', () => {
    expect(events.filter((e) => e.type === 'step')).toHaveLength(8)
    expect(events.find((e) => e.type === 'step' && e.step === 1)).toMatchObject({ routers: expect.any(Array) })
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e as { step: number }).step)).toEqual([2, 4, 6, 8])
    expect(events.at(-1)).toMatchObject({ type: 'status', status: 'completed', adapter: join(runFolder(dataDir, runId), 'adapter') })
  })

  it('stopped after step 3 and resumed, gives the uninterrupted loss sequence; leftover temporary folders are ignored', async () => {
    const resumed = newRun()
    let steps = 0
    const first = await runTraining({ dataDir, runId: resumed, threads: 1, onEvent: (e) => e.type === 'step' && steps++, shouldStop: () => steps >= 3 })
    expect(first).toMatchObject({ status: 'cancelled', step: 3 })
    const checkpoints = join(runFolder(dataDir, resumed), 'checkpoints')
    expect(listCheckpoints(checkpoints).at(-1)?.step).toBe(3) // a stop writes a checkpoint
    // what a process killed while writing a checkpoint leaves behind
    mkdirSync(join(checkpoints, '.tmp-step-4-99999'))
    writeFileSync(join(checkpoints, '.tmp-step-4-99999', 'state.json'), '{"step": 4')
    mkdirSync(join(checkpoints, 'step-5'))
    const second = await runTraining({ dataDir, runId: resumed, threads: 1 })
    expect(second).toMatchObject({ status: 'completed', step: 8 })
    expect(readdirSync(checkpoints).some((n) => n.startsWith('.tmp-'))).toBe(false)
    const expected = lossCurve(runId)
    const actual = lossCurve(resumed)
    expect(actual).toHaveLength(8)
    actual.forEach((loss, i) => expect(Math.abs(loss - expected[i])).toBeLessThan(1e-6))
  })

  it('adapter.init starts a new run from a trained adapter', async () => {
    const next = newRun(RunConfig.parse({ ...baseConfig, adapter: { ...baseConfig.adapter, init: join(runFolder(dataDir, runId), 'adapter') }, train: { ...baseConfig.train, max_steps: 1 } }))
    const evals: number[] = []
    await runTraining({ dataDir, runId: next, threads: 1, onEvent: (e) => e.type === 'eval' && e.loss !== null && evals.push(e.loss) })
    const store = openStore(dataDir)
    const trained = store.metrics.curve(runId, 'eval_loss').at(-1)!.value
    store.close()
    expect(evals[0]).toBeCloseTo(trained, 5) // the step-0 eval of the new run is the old run's final eval
  })

  it('adapter.init from an adapter of another method fails the run naming what does not fit', async () => {
    const lora = newRun(RunConfig.parse({ ...baseConfig, adapter: { method: 'lora', rank: 2, init: join(runFolder(dataDir, runId), 'adapter') } }))
    const outcome = await runTraining({ dataDir, runId: lora, threads: 1 })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/adapter\.init .* \(mov, 2 experts, sites k, v, ffn\) does not fit this run's adapter \(lora, rank 2, the default projection sites\) on .*:\n  \d+ tensors missing: model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight \[2, 32\]/)
  })
})

describe('the NaN/inf guard', () => {
  it('stops the run with a clear error at the bad step and keeps the last good checkpoint', async () => {
    const runId = newRun()
    const outcome = await runTraining({ dataDir, runId, threads: 1, faults: { nonFiniteLossAtStep: 5 } })
    expect(outcome.status).toBe('failed')
    expect(outcome.error).toMatch(/step 5: the loss is NaN\. Training stopped; the last good checkpoint is kept at .*step-4\. Lower train\.lr/)
    const store = openStore(dataDir)
    try {
      expect(store.runs.get(runId)).toMatchObject({ status: 'failed', error: outcome.error })
      expect(store.artifacts.latestCheckpoint(runId)?.step).toBe(4)
      expect(store.artifacts.listExports(runId)).toEqual([])
      expect(store.metrics.curve(runId, 'loss').map((p) => p.step)).toEqual([1, 2, 3, 4])
    } finally {
      store.close()
    }
  })
})
