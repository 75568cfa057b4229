// A run's own evaluation beyond the loss, end to end through the store: accuracy on its
// eval.sets and greedy answers to its eval.prompts at every eval step, recorded and streamed; a
// resumed run answers the repeated step again; a bad eval file fails the run before any step.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { openStore } from '../../../main/store'
import { runTraining } from '../../../main/train/run-training'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writeMultipleChoiceFile, writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let dataDir: string
let baseConfig: RunConfig

beforeAll(() => {
  tmp = makeTempDir('ms-run-evaluation-')
  dataDir = join(tmp.dir, 'home')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  baseConfig = RunConfig.parse({
    model,
    data: { train: writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 16), max_length: 64 },
    adapter: { method: 'mov', experts: 2 },
    train: { lr: 0.05, batch_size: 4, max_steps: 6, eval_every: 3, save_every: 3, seed: 5 },
    eval: {
      sets: [
        { name: 'copy', data: writeMultipleChoiceFile(join(tmp.dir, 'copy.jsonl'), 6) },
        { name: 'copy-more', data: writeMultipleChoiceFile(join(tmp.dir, 'copy-more.jsonl'), 9) },
      ],
      prompts: ['copy abc', 'copy fab'],
      max_new_tokens: 4,
    },
    device: 'cpu',
  })
})
afterAll(() => tmp.remove())

function newRun(config: RunConfig): string {
  const store = openStore(dataDir)
  try {
    return store.runs.create({ name: 'evaluated', config, method: config.adapter.method }).id
  } finally {
    store.close()
  }
}

function read<T>(fn: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(dataDir)
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

describe("a run's evaluation sets and prompts", () => {
  it('records the accuracy of each set and the answers at every eval step, and streams them, with no validation set', async () => {
    const runId = newRun(baseConfig)
    const events: RunEvent[] = []
    const outcome = await runTraining({ dataDir, runId, threads: 1, onEvent: (e) => events.push(e) })
    expect(outcome).toMatchObject({ status: 'completed', step: 6 })
    read((store) => {
      for (const name of ['accuracy.copy', 'accuracy.copy-more']) {
        const curve = store.metrics.curve(runId, name)
        expect(curve.map((p) => p.step)).toEqual([0, 3, 6])
        expect(curve.every((p) => p.value >= 0 && p.value <= 1)).toBe(true)
      }
      // 6 and 9 questions: an accuracy is a count over them.
      expect(store.metrics.curve(runId, 'accuracy.copy').every((p) => Number.isInteger(Math.round(p.value * 6 * 1e6) / 1e6))).toBe(true)
      expect(store.metrics.curve(runId, 'eval_loss')).toEqual([])
      const answers = store.runAnswers.list(runId)
      expect(answers.map((a) => [a.step, a.promptIndex, a.prompt])).toEqual([
        [0, 0, 'copy abc'], [0, 1, 'copy fab'], [3, 0, 'copy abc'], [3, 1, 'copy fab'], [6, 0, 'copy abc'], [6, 1, 'copy fab'],
      ])
      expect(store.runLog.list(runId).map((l) => l.message)).toContain('evaluating at every eval step: accuracy on copy, copy-more; greedy answers to 2 prompts')
    })
    const evals = events.filter((e) => e.type === 'eval')
    expect(evals.map((e) => [e.step, e.loss, Object.keys(e.metrics).sort()])).toEqual([0, 3, 6].map((s) => [s, null, ['accuracy.copy', 'accuracy.copy-more']]))
    const streamed = events.filter((e) => e.type === 'answers')
    expect(streamed.map((e) => e.step)).toEqual([0, 3, 6])
    read((store) => expect(streamed.flatMap((e) => e.answers.map((a) => ({ step: e.step, ...a })))).toEqual(store.runAnswers.list(runId)))
  })

  it('early stopping can watch a set\'s accuracy', async () => {
    const config = RunConfig.parse({ ...baseConfig, train: { ...baseConfig.train, max_steps: 30, early_stopping: { metric: 'accuracy.copy', patience: 1, min_delta: 2 } } })
    const runId = newRun(config)
    const outcome = await runTraining({ dataDir, runId, threads: 1 })
    // Step 3's evaluation is the first best (step 0 has no checkpoint to be one); no accuracy can
    // rise by more than 2, so step 6's exhausts a patience of 1.
    expect(outcome).toMatchObject({ status: 'completed', step: 6 })
    read((store) => expect(store.runs.get(runId)).toMatchObject({ stoppedEarly: true, bestStep: 3 }))
  })

  it('fails before its first step when an eval set has a bad row, naming the setting, file and line', async () => {
    const bad = writeMultipleChoiceFile(join(tmp.dir, 'bad.jsonl'), 5, 2)
    const runId = newRun(RunConfig.parse({ ...baseConfig, eval: { ...baseConfig.eval, sets: [{ name: 'bad', data: bad }] } }))
    const outcome = await runTraining({ dataDir, runId, threads: 1 })
    expect(outcome).toMatchObject({ status: 'failed', step: 0 })
    expect(outcome.error).toContain(`eval.sets[0] (bad): ${bad}:2: field "choices" has 1 choice`)
    read((store) => expect(store.metrics.curve(runId, 'loss')).toEqual([]))
  })
})
