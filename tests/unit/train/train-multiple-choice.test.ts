// A run trains on multiple-choice rows (the prompt, then the right choice as the completion), and
// `eval --run RUN --data MC_FILE` ranks the choices through that run's chat template and adapter:
// each choice's NLL is the one a forward pass gives for the prompt rendered with the assistant
// header and the choice after it, scored by hand here.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatRenderer, chooseTemplate, loadTokenizerBundle } from '../../../main/data'
import { loadInferenceAdapter } from '../../../main/models/inference/adapter'
import { ForwardSession } from '../../../main/models/inference/forward'
import { openModel } from '../../../main/models/inference/open-model'
import { openStore } from '../../../main/store'
import { readRunTokens } from '../../../main/train/run-data'
import { runFolder } from '../../../main/train/run-training'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
let runId: string
const home = () => join(tmp.dir, 'home')
const cli = (args: string[]) => runCli(args, { home: home() })
const WORDS = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab']

/** Questions over the tiny tokenizer's alphabet: copy a word, among three. */
const question = (i: number) => ({ prompt: `copy ${WORDS[i % 6]}`, choices: [WORDS[(i + 1) % 6], WORDS[i % 6], WORDS[(i + 2) % 6]], answer: i % 2 === 0 ? 1 : WORDS[i % 6] })

beforeAll(async () => {
  tmp = makeTempDir('ms-train-mc-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2') // with a ChatML chat template
  writeFileSync(join(tmp.dir, 'mc.jsonl'), Array.from({ length: 8 }, (_, i) => JSON.stringify(question(i))).join('\n') + '\n')
  const config = join(tmp.dir, 'run.yaml')
  // data.format left to detection: the rows are recognised as multiple choice.
  writeFileSync(config, 'model: model\ndata: { train: mc.jsonl, split: 2, max_length: 64 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: 0.05, batch_size: 2, max_steps: 3, eval_every: 3, save_every: 3 }\ndevice: cpu\n')
  const trained = await cli(['train', '--config', config, '--json'])
  expect(trained.code).toBe(0)
  runId = JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run_id as string
}, 180_000)
afterAll(() => tmp.remove())

describe('a run on multiple-choice rows', () => {
  it('trains on the right choice after the masked prompt, with a finite loss', async () => {
    const store = openStore(home())
    try {
      const losses = store.metrics.curve(runId, 'loss')
      expect(losses).toHaveLength(3)
      for (const point of losses) expect(Number.isFinite(point.value)).toBe(true)
      expect(Number.isFinite(store.metrics.curve(runId, 'eval_loss').at(-1)!.value)).toBe(true)
    } finally {
      store.close()
    }
    const { examples, templateName } = await readRunTokens(join(runFolder(home(), runId), 'data', 'train.tokens'))
    expect(templateName).toBe('model')
    const bundle = loadTokenizerBundle(join(tmp.dir, 'model'))
    const renderer = new ChatRenderer(chooseTemplate('model', bundle), bundle.specialTokens, bundle.addBosToken)
    const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
    expect(examples.length).toBe(8)
    for (const example of examples) {
      const row = question(example.line - 1)
      const right = typeof row.answer === 'number' ? row.choices[row.answer] : row.answer
      const header = renderer.render([{ role: 'user', content: row.prompt }], true)
      const ids = Array.from(example.inputIds)
      expect(ids).toEqual(encode(`${header}${right}<|im_end|>\n`))
      // Only the right choice (and the end of its turn) is trained; the prompt is masked.
      const promptLength = encode(header).length
      expect(Array.from(example.trained)).toEqual(ids.map((_, t) => (t < promptLength ? 0 : 1)))
    }
  })

  it('eval --run ranks its choices: each NLL is a forward pass over the rendered prompt and the choice, scored by hand', async () => {
    const file = join(tmp.dir, 'held-out.jsonl')
    const rows = [question(0), question(3)]
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    const run = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', file, '--json', '--threads', '1'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    const examples = lines.filter((l) => l.type === 'example') as { line: number; choices_nll: number[]; choices_tokens: number[]; prediction: number; answer: number; correct: boolean }[]
    const summary = lines.find((l) => l.type === 'eval')!
    const adapterDir = join(runFolder(home(), runId), 'adapter')
    expect(summary).toMatchObject({ run: runId, checkpoint: 'final adapter', adapter: adapterDir, template: 'model', data: file, examples: 2 })
    expect(examples.map((e) => [e.line, e.answer])).toEqual([[1, 1], [2, 1]])

    // By hand: the model's own chat template, the prompt as the user turn with the assistant header.
    const bundle = loadTokenizerBundle(join(tmp.dir, 'model'))
    const renderer = new ChatRenderer(chooseTemplate('model', bundle), bundle.specialTokens, bundle.addBosToken)
    const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
    const model = openModel(join(tmp.dir, 'model'))
    const session = await ForwardSession.create(model, { outputs: ['logits'], adapter: loadInferenceAdapter(adapterDir, model), threads: 1 })
    try {
      for (const [q, row] of rows.entries()) {
        const header = renderer.render([{ role: 'user', content: row.prompt }], true)
        const promptLength = encode(header).length
        for (const [c, choice] of row.choices.entries()) {
          const ids = encode(header + choice)
          const out = await session.run({ tokens: { ids: [ids] } })
          const vocab = out.logits.shape[2]
          const logits = out.logits.data as Float32Array
          let nll = 0
          for (let t = promptLength - 1; t < ids.length - 1; t++) {
            const row = Array.from(logits.subarray(t * vocab, (t + 1) * vocab))
            const max = Math.max(...row)
            nll += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[ids[t + 1]]
          }
          expect(examples[q].choices_tokens[c]).toBe(ids.length - promptLength)
          expect(Math.abs(examples[q].choices_nll[c] - nll)).toBeLessThan(1e-4 * Math.max(1, nll))
        }
      }
    } finally {
      await session.dispose()
    }

    // The human summary names the run, its adapter and template; --length-normalize ranks by the mean.
    const human = await cli(['eval', '--run', runId, '--checkpoint', 'last', '--data', file, '--length-normalize', '--threads', '1'])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(new RegExp(`accuracy [\\d.]+ \\(95% CI [\\d.]+–[\\d.]+\\) over 2 examples on cpu.*, run ${runId}, its final adapter, the model's chat template, ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`))
  }, 60_000)

  it('--length-normalize with rows that are scored for their loss is refused, saying why', async () => {
    const file = join(tmp.dir, 'plain.jsonl')
    writeFileSync(file, `${JSON.stringify({ prompt: 'copy abc', completion: 'abc' })}\n`)
    const run = await cli(['eval', '--run', runId, '--data', file, '--length-normalize'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`--length-normalize ranks multiple-choice rows ({"prompt","choices","answer"}); ${file} has rows that are scored for their loss`)
  })
})
