// Early stopping on a real curve, end to end through the store: a tiny model trained with a high
// learning rate on data its held-out set contradicts, so the eval loss falls, then turns up. The
// run stops where patience runs out, records why and its best checkpoint, keeps that checkpoint,
// and eval/export resolve "best" to it and "last" to the final adapter; export defaults to best.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { openStore, type RunRecord } from '../../../main/store'
import { readAdapterFolder } from '../../../main/train/adapter-files'
import { checkpointPath, listCheckpoints } from '../../../main/train/checkpoint'
import { runAdapter } from '../../../main/train/run-eval'
import { runFolder, runTraining } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

// lr 0.1 for up to 120 steps: it learns, then turns (seeds 1, 2, 3 and 5 all stop early). At lr
// 0.2 over 40 steps the curve was steered by float rounding (Adam turns a tiny gradient into a
// whole step), and summing the loss in another order moved its turn past the last step.
const MAX_STEPS = 120
const EVAL_EVERY = 2
const PATIENCE = 3

let tmp: ReturnType<typeof makeTempDir>
let dataDir: string
let runId: string
let record: RunRecord
let evalLoss: { step: number; value: number }[]
let logLines: string[]
let outcome: Awaited<ReturnType<typeof runTraining>>
let config: RunConfig

beforeAll(async () => {
  tmp = makeTempDir('ms-early-stop-')
  dataDir = join(tmp.dir, 'home')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
  // The same prompts answered with another word: what training teaches is wrong here.
  const words = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab', 'bad', 'cad']
  const validation = join(tmp.dir, 'validation.jsonl')
  writeFileSync(validation, words.map((w, i) => JSON.stringify({ prompt: `copy ${w}`, completion: ` ${words[(i + 3) % 8]}` })).join('\n') + '\n')
  config = RunConfig.parse({
    model,
    data: { train, validation, max_length: 64 },
    adapter: { method: 'lora', rank: 4 },
    train: { lr: 0.1, batch_size: 4, max_steps: MAX_STEPS, eval_every: EVAL_EVERY, save_every: 1000, seed: 5, early_stopping: { metric: 'eval_loss', patience: PATIENCE } },
    device: 'cpu',
  })
  const store = openStore(dataDir)
  try {
    runId = store.runs.create({ name: 'early', config, method: 'lora' }).id
  } finally {
    store.close()
  }
  outcome = await runTraining({ dataDir, runId, threads: 1 })
  const after = openStore(dataDir)
  try {
    record = after.runs.get(runId)!
    evalLoss = after.metrics.curve(runId, 'eval_loss')
    logLines = after.runLog.list(runId).map((l) => l.message)
  } finally {
    after.close()
  }
}, 120_000)
afterAll(() => tmp.remove())

describe('a run whose eval loss turns up', () => {
  it('stops after the evaluation that exhausts its patience, completed and marked stopped early', () => {
    const trained = evalLoss.filter((p) => p.step > 0)
    const best = trained.reduce((a, b) => (b.value < a.value ? b : a))
    const last = trained.at(-1)!
    // It did turn: the run ended before max_steps, PATIENCE evaluations after its best, none of them better.
    expect(last.step).toBeLessThan(MAX_STEPS)
    expect(last.step).toBe(best.step + PATIENCE * EVAL_EVERY)
    expect(last.value).toBeGreaterThan(best.value)
    expect(outcome).toMatchObject({ status: 'completed', step: last.step })
    expect(record).toMatchObject({ status: 'completed', stoppedEarly: true, bestStep: best.step, totalSteps: MAX_STEPS })
    const value = Number(best.value.toPrecision(4))
    expect(logLines).toContain(`stopped early: no improvement of eval_loss in ${PATIENCE} evaluations; best was ${value} at step ${best.step}`)
  })

  it('keeps the best checkpoint and writes adapter/ from the last parameters', () => {
    const dir = runFolder(dataDir, runId)
    const steps = listCheckpoints(join(dir, 'checkpoints')).map((c) => c.step)
    expect(steps).toContain(record.bestStep)
    expect(steps.at(-1)).toBe(outcome.step)
    expect(readAdapterFolder(join(dir, 'adapter')).config.step).toBe(outcome.step)
  })

  it('resolves best to the best checkpoint and last to the final adapter', () => {
    const dir = runFolder(dataDir, runId)
    expect(runAdapter(record, dir, { kind: 'best' })).toEqual({ path: checkpointPath(join(dir, 'checkpoints'), record.bestStep!), label: `best checkpoint step-${record.bestStep} (by eval_loss)`, step: record.bestStep })
    expect(runAdapter(record, dir, { kind: 'last' })).toEqual({ path: join(dir, 'adapter'), label: 'final adapter', step: null })
  })

  it('falls back to the last adapter when the best checkpoint is gone or none was marked, saying why in the label', () => {
    const dir = runFolder(dataDir, runId)
    expect(runAdapter({ ...record, bestStep: 9999 }, dir, { kind: 'best' })).toMatchObject({ path: join(dir, 'adapter'), label: `final adapter (no best checkpoint: its best checkpoint step-9999 is gone from ${join(dir, 'checkpoints')})` })
    const unwatched = RunConfig.parse({ ...(record.config as RunConfig), data: { ...(record.config as RunConfig).data, validation: null }, train: { ...(record.config as RunConfig).train, early_stopping: null } })
    expect(runAdapter({ ...record, bestStep: null, config: unwatched }, dir, { kind: 'best' }).label).toBe('final adapter (no best checkpoint: it has no validation data and no early stopping to choose one by)')
  })

  it('exports the best checkpoint by default, the final adapter with --checkpoint last, a step with --checkpoint N', async () => {
    const dir = runFolder(dataDir, runId)
    const exported = async (name: string, ...flags: string[]) => {
      const out = join(tmp.dir, name)
      const result = await runCli(['export', runId, '--format', 'native', '--out', out, ...flags, '--json'], { home: dataDir })
      expect(result.stderr).toBe('')
      const line = JSON.parse(result.stdout) as { source: string; adapterLabel: string }
      return { ...line, step: readAdapterFolder(out).config.step }
    }
    expect(await exported('best')).toMatchObject({ source: checkpointPath(join(dir, 'checkpoints'), record.bestStep!), adapterLabel: `best checkpoint step-${record.bestStep} (by eval_loss)`, step: record.bestStep })
    expect(await exported('last', '--checkpoint', 'last')).toMatchObject({ source: join(dir, 'adapter'), adapterLabel: 'final adapter', step: outcome.step })
    expect(await exported('step', '--checkpoint', String(outcome.step))).toMatchObject({ adapterLabel: `checkpoint step-${outcome.step}`, step: outcome.step })
    const human = await runCli(['export', runId, '--format', 'native', '--out', join(tmp.dir, 'human')], { home: dataDir })
    expect(human.stdout).toContain(`Exported the lora adapter of run ${runId} (its best checkpoint step-${record.bestStep} (by eval_loss)) as native`)
  })
})

describe('a resumed run', () => {
  it('records again the best its checkpoint names (a kill between writing the best checkpoint and recording it)', async () => {
    const store = openStore(dataDir)
    const id = store.runs.create({ name: 'resumed', config, method: 'lora' }).id
    store.close()
    let steps = 0
    const stopped = await runTraining({ dataDir, runId: id, threads: 1, onEvent: (e) => void (e.type === 'step' && steps++), shouldStop: () => steps >= 12 })
    expect(stopped.status).toBe('cancelled')
    const before = openStore(dataDir)
    const best = before.runs.get(id)!.bestStep
    expect(best).not.toBeNull()
    // As a kill would leave it: the checkpoint of the best written, the store not told.
    before.db.prepare('UPDATE runs SET best_step = NULL WHERE id = ?').run(id)
    before.close()
    let seenAtFirstStep: number | null | undefined
    await runTraining({
      dataDir, runId: id, threads: 1,
      onEvent: (e) => {
        if (e.type !== 'step' || seenAtFirstStep !== undefined) return
        const during = openStore(dataDir)
        seenAtFirstStep = during.runs.get(id)!.bestStep
        during.close()
      },
    })
    expect(seenAtFirstStep).toBe(best)
  }, 60_000)
})
