// The during-training evaluation (eval.sets accuracy, greedy answers to eval.prompts): what it
// reports for an adapter's values is what an independent scorer and generator, opened on those
// values, report; and it follows the values it is given from one eval to the next.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { greedyAnswers } from '../../../main/models/eval/open-ended-answers'
import { rankClassify } from '../../../main/models/eval/rank-classification'
import { expectedAdapterTensors, type InferenceAdapter } from '../../../main/models/inference/adapter'
import { Generator } from '../../../main/models/inference/generate'
import { openModel, type OpenedModel } from '../../../main/models/inference/open-model'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { EvalSuite } from '../../../main/train/eval-suite'
import { runPrompts } from '../../../main/train/run-prompts'
import { templateMultipleChoice } from '../../../main/train/run-multiple-choice'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writeMultipleChoiceFile, writePromptCompletionFile } from './support'

let tmp: ReturnType<typeof makeTempDir>
let model: OpenedModel
let config: RunConfig
let shapes: { name: string; shape: number[]; size: number }[]

beforeAll(() => {
  tmp = makeTempDir('ms-eval-suite-')
  const modelDir = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  model = openModel(modelDir)
  config = RunConfig.parse({
    model: modelDir,
    data: { train: writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8), max_length: 64 },
    adapter: { method: 'mov', experts: 2 },
    eval: { sets: [{ name: 'copy', data: writeMultipleChoiceFile(join(tmp.dir, 'copy.jsonl')) }], prompts: ['copy abc', 'copy fab'], max_new_tokens: 6 },
    device: 'cpu',
  })
  shapes = expectedAdapterTensors(model, config.adapter).map((t) => ({ name: t.name, shape: [...t.shape], size: t.shape.reduce((a, b) => a * b, 1) }))
})
afterAll(() => tmp.remove())

/** Adapter values far enough from the identity to change the model's scores. */
function randomValues(seed: number): Map<string, Float32Array> {
  let state = seed
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1
  return new Map(shapes.map((p) => [p.name, Float32Array.from({ length: p.size }, () => 1 + 1.5 * next())]))
}

/** What an independent scorer and generator, opened on `values`, say. */
async function independently(values: Map<string, Float32Array>) {
  const adapter: InferenceAdapter = { config: config.adapter, values }
  const { questions } = await templateMultipleChoice(config.eval.sets[0].data, { modelDir: model.info.dir, spec: model.spec, config })
  const { summary } = await rankClassify(model, questions, { adapter, threads: 1, promptOnce: false })
  const rendering = runPrompts(config, model.info.dir)
  const generator = await Generator.create(model, { adapter, threads: 1 })
  try {
    const answers = await greedyAnswers(generator, ModelTokenizer.load(model.info.dir), config.eval.prompts.map((p) => rendering.promptIds(p)), { maxNewTokens: 6, endOfTurn: rendering.endOfTurn })
    return { accuracy: summary.accuracy, answers: answers.map((a) => a.text) }
  } finally {
    await generator.dispose()
  }
}

describe('the during-training evaluation suite', () => {
  it('reports the accuracy and answers an independent scorer and generator give, following the values of each eval', async () => {
    const suite = (await EvalSuite.open(config, model, shapes, { threads: 1 }))!
    try {
      for (const seed of [1, 2, 3]) {
        const values = randomValues(seed)
        const result = await suite.evaluate(values)
        const expected = await independently(values)
        expect(result.metrics).toEqual({ 'accuracy.copy': expected.accuracy })
        expect(result.answers).toEqual(expected.answers.map((answer, i) => ({ promptIndex: i, prompt: config.eval.prompts[i], answer })))
      }
    } finally {
      await suite.dispose()
    }
  })

  it('is absent when the run asks for nothing beyond its loss', async () => {
    expect(await EvalSuite.open({ ...config, eval: { ...config.eval, sets: [], prompts: [] } }, model, shapes)).toBeNull()
  })

  it('refuses a bad row of an eval set when it opens, naming the file and line', async () => {
    const bad = writeMultipleChoiceFile(join(tmp.dir, 'bad.jsonl'), 6, 4)
    const withBad = { ...config, eval: { ...config.eval, sets: [{ name: 'bad', data: bad }] } }
    await expect(EvalSuite.open(withBad, model, shapes)).rejects.toThrow(`eval.sets[0] (bad): ${bad}:4: field "choices" has 1 choice; a multiple-choice row needs at least 2`)
  })
})
