// A run by train.epochs end to end: its step count is counted from the data once read, recorded
// in runs.total_steps, carried by every step event, and the same after a stop and resume.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { openStore } from '../../../main/store'
import { runTraining } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let dataDir: string
let config: RunConfig

beforeAll(() => {
  tmp = makeTempDir('ms-epochs-run-')
  dataDir = join(tmp.dir, 'home')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  // 10 rows, 2 held out: 8 training examples in batches of 2 with 2 micro-batches a step, 2 steps an epoch.
  const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 10)
  config = RunConfig.parse({
    model,
    data: { train, split: 2, max_length: 64 },
    adapter: { method: 'ia3' },
    train: { lr: 0.01, batch_size: 2, grad_accum: 2, epochs: 2.5, eval_every: 100, save_every: 2, seed: 3 },
    device: 'cpu',
  })
})
afterAll(() => tmp.remove())

describe('a run by epochs', () => {
  it('trains ceil(2.5 epochs x 4 batches / 2) = 5 steps, recorded before its first step, and the same count after a resume', async () => {
    const store = openStore(dataDir)
    const runId = store.runs.create({ name: 'epochs', config, method: 'ia3' }).id
    store.close()
    const events: RunEvent[] = []
    const stepCount = () => events.filter((e) => e.type === 'step').length
    // Stopped after its third step: the next start counts the steps again from the same data.
    const first = await runTraining({ dataDir, runId, threads: 1, onEvent: (e) => events.push(e), shouldStop: () => stepCount() >= 3 })
    expect(first).toMatchObject({ status: 'cancelled', step: 3 })
    const between = openStore(dataDir)
    expect(between.runs.get(runId)!.totalSteps).toBe(5)
    between.close()
    const stepsSeen = events.filter((e) => e.type === 'step')
    expect(stepsSeen.map((e) => e.type === 'step' && e.totalSteps)).toEqual(stepsSeen.map(() => 5))
    const resumed = await runTraining({ dataDir, runId, threads: 1, onEvent: (e) => events.push(e) })
    expect(resumed).toMatchObject({ status: 'completed', step: 5 })
    const after = openStore(dataDir)
    try {
      expect(after.runs.get(runId)).toMatchObject({ status: 'completed', totalSteps: 5, stoppedEarly: false })
      expect(after.metrics.curve(runId, 'loss').map((p) => p.step)).toEqual([1, 2, 3, 4, 5])
      expect(after.runLog.list(runId).map((l) => l.message)).toContain('2.5 epochs of 8 training examples: 5 steps')
    } finally {
      after.close()
    }
  }, 60_000)

  it('prints step N/total on the command line', async () => {
    const file = join(tmp.dir, 'run.json')
    writeFileSync(file, JSON.stringify({ ...config, name: 'cli epochs' }))
    const result = await runCli(['train', '--config', file], { home: join(tmp.dir, 'cli-home') })
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^step 1\/5 {2}loss/m)
    expect(result.stdout).toMatch(/^step 5\/5 {2}loss/m)
  }, 60_000)
})
