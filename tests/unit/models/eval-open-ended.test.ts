// `mixture-studio eval` on open-ended rows: --json prints each greedy answer with its exact match
// and F1, then exact match with its Wilson interval and the mean F1; the human output says the
// same. With --run the prompts go through the run's chat template (the ids its training saw
// before an answer) and the run's adapter answers them. Bad rows and misplaced flags are errors.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRunOpenEnded } from '../../../main/cli/commands/eval-open-ended'
import { RunConfig } from '../../../main/contract/run-config'
import { greedyAnswers } from '../../../main/models/eval/open-ended-answers'
import { scoreAnswer } from '../../../main/models/eval/squad-normalize'
import { wilsonInterval } from '../../../main/models/eval/wilson'
import { loadInferenceAdapter } from '../../../main/models/inference/adapter'
import { Generator } from '../../../main/models/inference/generate'
import { openModel } from '../../../main/models/inference/open-model'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { openStore } from '../../../main/store'
import { readRunTokens, tokenizeRunFile } from '../../../main/train/run-data'
import { runFolder } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let runId: string
const home = () => join(tmp.dir, 'home')
const cli = (args: string[]) => runCli(args, { home: home() })
const modelDir = () => join(tmp.dir, 'model')
const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)

const ROWS = [
  { prompt: 'copy abc', answers: ['abc', 'the abc'] },
  { prompt: 'copy bad', answer: 'bad' },
  { prompt: 'copy dde eed', answers: ['dde eed'] },
]

function writeRows(name: string, rows: unknown[]): string {
  const file = join(tmp.dir, name)
  writeFileSync(file, rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n')
  return file
}

beforeAll(async () => {
  tmp = makeTempDir('ms-eval-open-')
  // ChatML chat template; an untied head, since a tiny tied one mostly repeats its input's tokens.
  writeTinyModel(modelDir(), 'qwen2', { config: { tie_word_embeddings: false } })
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 8)
  const config = join(tmp.dir, 'run.yaml')
  writeFileSync(config, 'model: model\ndata: { train: train.jsonl, max_length: 64 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: 0.05, batch_size: 4, max_steps: 2, eval_every: 2, save_every: 2 }\ndevice: cpu\n')
  const trained = await cli(['train', '--config', config, '--json'])
  expect(trained.code).toBe(0)
  runId = JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run_id as string
}, 180_000)
afterAll(() => tmp.remove())

describe('eval --model on open-ended rows', () => {
  it('--json prints each answer with its exact match and F1, then exact match with its 95% interval and the mean F1', async () => {
    const data = writeRows('open.jsonl', ROWS)
    const result = await cli(['eval', '--model', modelDir(), '--data', data, '--json', '--threads', '1', '--batch-size', '2', '--max-new-tokens', '5'])
    expect(result.code).toBe(0)
    const lines = parse(result.stdout)
    expect(lines).toHaveLength(4)
    const examples = lines.slice(0, 3)
    examples.forEach((line, i) => {
      expect(Object.keys(line)).toEqual(['type', 'index', 'line', 'prediction', 'answers', 'exact_match', 'f1'])
      const answers = 'answers' in ROWS[i] ? ROWS[i].answers : [ROWS[i].answer]
      expect(line).toMatchObject({ type: 'example', index: i, line: i + 1, answers })
      const { exactMatch, f1 } = scoreAnswer(line.prediction as string, answers as string[])
      expect([line.exact_match, line.f1]).toEqual([exactMatch, f1])
    })

    // The answers are the model's own greedy answers to the raw prompts, at most 5 new tokens each.
    const model = openModel(modelDir())
    const tokenizer = ModelTokenizer.load(modelDir())
    const generator = await Generator.create(model, { threads: 1 })
    try {
      const direct = await greedyAnswers(generator, tokenizer, ROWS.map((r) => tokenizer.encode(r.prompt, true)), { maxNewTokens: 5 })
      expect(examples.map((l) => l.prediction)).toEqual(direct.map((a) => a.text))
      expect(direct.every((a) => a.tokens.length <= 5)).toBe(true)
      expect(direct.filter((a) => a.text !== '').length).toBeGreaterThan(1)
    } finally {
      await generator.dispose()
    }

    const matches = examples.filter((l) => l.exact_match === 1).length
    expect(lines[3]).toEqual({
      type: 'eval', exact_match: matches / 3, exact_match_ci95: wilsonInterval(matches, 3), f1: examples.reduce((s, l) => s + (l.f1 as number), 0) / 3, examples: 3, device: 'cpu, float32',
    })

    const text = await cli(['eval', '--model', modelDir(), '--data', data, '--threads', '1'])
    expect(text.code).toBe(0)
    const out = text.stdout.trim().split('\n')
    expect(out[0]).toMatch(/^example 0 \(line 1\) {2}(exact match|no exact match) {2}f1 \d\.\d{3} {2}answered ".*" {2}answers \["abc","the abc"\]$/)
    expect(out[3]).toMatch(/^exact match \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\), mean token F1 \d\.\d{3} over 3 examples \(greedy answers, SQuAD normalisation\) on cpu, float32$/)
  }, 60_000)

  it('a bad row is an error naming its line; flags for other kinds of rows are refused', async () => {
    const bad = await cli(['eval', '--model', modelDir(), '--data', writeRows('bad.jsonl', [ROWS[0], { prompt: 'q', answers: [] }]), '--json'])
    expect(bad.code).toBe(1)
    expect(parse(bad.stdout)).toEqual([{ type: 'error', message: expect.stringMatching(/bad\.jsonl:2: field "answers" is empty; give at least one right answer$/) }])
    const notText = await cli(['eval', '--model', modelDir(), '--data', writeRows('not-text.jsonl', [{ prompt: 'q', answers: ['a', 1] }])])
    expect(notText.code).toBe(1)
    expect(notText.stderr).toMatch(/not-text\.jsonl:1: answer 1 \(0-based\) must be a string, not 1/)

    const completions = writeRows('completions.jsonl', [{ prompt: 'copy abc', completion: ' abc' }])
    const maxNew = await cli(['eval', '--model', modelDir(), '--data', completions, '--max-new-tokens', '4'])
    expect(maxNew.code).toBe(1)
    expect(maxNew.stderr).toMatch(/^--max-new-tokens limits the answers to open-ended rows .*completions\.jsonl has rows that are scored, not answered/)
    const normalize = await cli(['eval', '--model', modelDir(), '--data', writeRows('open-2.jsonl', ROWS), '--length-normalize'])
    expect(normalize.code).toBe(1)
    expect(normalize.stderr).toMatch(/^--length-normalize ranks the choices of multiple-choice rows .* has open-ended rows/)
    const zero = await cli(['eval', '--model', modelDir(), '--data', completions, '--max-new-tokens', '0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toMatch(/--max-new-tokens must be a positive integer, not "0"/)
  }, 60_000)
})

describe('eval --run on open-ended rows', () => {
  it("renders each prompt through the run's chat template, and the run's adapter answers it", async () => {
    const data = writeRows('open-run.jsonl', ROWS)
    const context = { env: { MIXTURE_STUDIO_HOME: home() }, stdout: () => {}, stderr: () => {}, untilInterrupted: () => new Promise<never>(() => {}) }
    const opened = openRunOpenEnded({ runId, checkpoint: { kind: 'last' }, data }, context)

    // The prompt ids are those the run's training put before an answer: the same rows as
    // {"prompt","completion"} through the run's own import, up to the first trained token.
    const store = openStore(home())
    const config = RunConfig.parse(store.runs.get(runId)!.config)
    store.close()
    const asRows = writeRows('as-training.jsonl', ROWS.map((r) => ({ prompt: r.prompt, completion: ' abc' })))
    const cache = join(tmp.dir, 'as-training', 'train.tokens')
    await tokenizeRunFile(config, modelDir(), asRows, cache)
    const { examples } = await readRunTokens(cache)
    expect(opened.questions.map((q) => q.promptIds)).toEqual(examples.map((e) => Array.from(e.inputIds.subarray(0, e.trained.indexOf(1)))))
    const tokenizer = ModelTokenizer.load(modelDir())
    opened.questions.forEach((q, i) => expect(q.promptIds).not.toEqual(tokenizer.encode(ROWS[i].prompt, true)))
    expect(opened.endOfTurn).toEqual({ text: '<|im_end|>', tokens: [tokenizer.tokenizer.token_to_id('<|im_end|>')] })

    const result = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', data, '--json', '--threads', '1', '--max-new-tokens', '6'])
    expect(result.code).toBe(0)
    const lines = parse(result.stdout)
    const adapterDir = join(runFolder(home(), runId), 'adapter')
    expect(lines[3]).toMatchObject({ type: 'eval', examples: 3, run: runId, checkpoint: 'final adapter', adapter: adapterDir, template: 'model', data })

    // The answers are the adapter's greedy answers to those templated prompts.
    const model = openModel(modelDir())
    const generator = await Generator.create(model, { threads: 1, adapter: loadInferenceAdapter(adapterDir, model) })
    try {
      const direct = await greedyAnswers(generator, tokenizer, opened.questions.map((q) => q.promptIds), { maxNewTokens: 6, endOfTurn: opened.endOfTurn })
      expect(lines.slice(0, 3).map((l) => l.prediction)).toEqual(direct.map((a) => a.text))
      expect(direct.filter((a) => a.text !== '').length).toBeGreaterThan(1)
    } finally {
      await generator.dispose()
    }

    const normalize = await cli(['eval', '--run', runId, '--data', data, '--length-normalize'])
    expect(normalize.code).toBe(1)
    expect(normalize.stderr).toMatch(/^--length-normalize ranks the choices of multiple-choice rows .* has open-ended rows/)

    const human = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', data, '--threads', '1'])
    expect(human.stdout).toMatch(new RegExp(`^exact match .* over 3 examples \\(greedy answers, SQuAD normalisation\\) on cpu.*, run ${runId}, its final adapter, the model's chat template, .*open-run\\.jsonl$`, 'm'))
  }, 60_000)
})
