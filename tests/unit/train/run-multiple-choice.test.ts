// templateMultipleChoice renders multiple-choice rows as a run's training renders its data: the
// prompt as the user turn through the chat template up to the assistant header, each choice as the
// start of the reply, only the choice's own tokens scored (no end of turn, no EOS); T5 scores the
// choice as the decoder's target. Checked by decoding the ids it gives.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { ChatRenderer, chooseTemplate, loadTokenizerBundle } from '../../../main/data'
import { EvalDataError, type EvalExample } from '../../../main/models/eval/examples'
import { openModel } from '../../../main/models/inference/open-model'
import { templateMultipleChoice } from '../../../main/train/run-multiple-choice'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import { LLAMA2_STYLE_TEMPLATE } from '../data/model-folder'

const models = useTinyModels('ms-run-mc-')

const QUESTIONS = [
  { prompt: 'copy abc', choices: ['abc', 'bca', 'cab dde'], answer: 0 },
  { prompt: 'copy bad', system: 'Answer briefly.', choices: ['fab', 'bad'], answer: 'bad' },
]

function writeRows(name: string, rows: unknown[]): string {
  const file = join(models.dir, name)
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  return file
}

/** The scored positions' target ids (decoder-only: what each scored position predicts). */
const scoredIds = (e: EvalExample) => e.targets.filter((t): t is number => t !== null)

describe('templateMultipleChoice', () => {
  it('a model with a chat template: the scored tokens are exactly the choice, after the rendered assistant header', async () => {
    const model = models.write('qwen2') // ChatML chat template
    const file = writeRows('mc.jsonl', QUESTIONS)
    const { questions, templateName, notes } = await templateMultipleChoice(file, { modelDir: model.dir, spec: openModel(model.dir).spec, config: null })
    expect(templateName).toBe('model')
    expect(notes).toEqual([])
    expect(questions.map((q) => [q.line, q.answer, q.choices.length])).toEqual([[1, 0, 3], [2, 1, 2]])

    const bundle = loadTokenizerBundle(model.dir)
    const renderer = new ChatRenderer(chooseTemplate('model', bundle), bundle.specialTokens, bundle.addBosToken)
    const decode = (ids: number[]) => bundle.tokenizer.decode(ids, { skip_special_tokens: false })
    QUESTIONS.forEach((row, q) => {
      const turns = [...(row.system ? [{ role: 'system' as const, content: row.system }] : []), { role: 'user' as const, content: row.prompt }]
      const header = renderer.render(turns, true)
      expect(header.endsWith('<|im_start|>assistant\n')).toBe(true)
      questions[q].choices.forEach((example, c) => {
        const firstScored = example.targets.findIndex((t) => t !== null)
        expect(decode(example.ids.slice(0, firstScored + 1))).toBe(decode(bundle.tokenizer.encode(header, { add_special_tokens: false }).ids))
        expect(decode(scoredIds(example))).toBe(row.choices[c])
        // The sequence ends with the choice: no end-of-turn marker or EOS is seen or scored.
        expect(example.ids.length).toBe(firstScored + 1 + scoredIds(example).length)
        expect(example.ids).toEqual(bundle.tokenizer.encode(header + row.choices[c], { add_special_tokens: false }).ids)
      })
    })
  })

  it('a template that puts a separator before the reply and trims it (Llama-2 style): the choice is scored from the separator', async () => {
    const model = models.write('llama')
    const configFile = join(model.dir, 'tokenizer_config.json')
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf-8')), chat_template: LLAMA2_STYLE_TEMPLATE }))
    const file = writeRows('llama2.jsonl', [{ prompt: 'copy abc', choices: ['abc ', ' bca'], answer: 0 }])
    const { questions } = await templateMultipleChoice(file, { modelDir: model.dir, spec: openModel(model.dir).spec, config: null })
    const bundle = loadTokenizerBundle(model.dir)
    const decode = (ids: number[]) => bundle.tokenizer.decode(ids, { skip_special_tokens: false })
    const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
    // The template renders "<s>[INST] copy abc [/INST] abc </s>": the reply is " abc", trimmed; the end is cut at the choice.
    expect(questions[0].choices.map((e) => e.ids)).toEqual([encode('<s>[INST] copy abc [/INST] abc'), encode('<s>[INST] copy abc [/INST] bca')])
    const promptIds = encode('<s>[INST] copy abc [/INST]')
    questions[0].choices.forEach((example, c) => {
      expect(example.targets.findIndex((t) => t !== null)).toBe(promptIds.length - 1)
      // The scored tokens are " abc" (the separator, then the choice); decoding drops the leading word marker.
      expect(scoredIds(example)).toEqual(example.ids.slice(promptIds.length))
      expect(decode(scoredIds(example))).toBe(['abc', 'bca'][c])
    })
  })

  it('T5: the rendered prompt is the encoder input and the choice the decoder target, without </s>', async () => {
    const model = models.write('t5')
    const spec = openModel(model.dir).spec
    const file = writeRows('t5.jsonl', QUESTIONS.slice(0, 1))
    const { questions, templateName } = await templateMultipleChoice(file, { modelDir: model.dir, spec, config: null })
    expect(templateName).toBe('chatml') // no chat template of its own: what a run of it would choose
    const bundle = loadTokenizerBundle(model.dir)
    const decode = (ids: number[]) => bundle.tokenizer.decode(ids, { skip_special_tokens: false })
    const eos = bundle.tokenizer.token_to_id('</s>')
    const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
    questions[0].choices.forEach((example, c) => {
      expect(example.ids).toEqual(encode('<|im_start|>user\ncopy abc<|im_end|>\n<|im_start|>assistant\n'))
      expect(example.targets.every((t) => t !== null)).toBe(true)
      expect(decode(scoredIds(example))).toBe(QUESTIONS[0].choices[c])
      expect(scoredIds(example)).not.toContain(eos)
      expect(example.decoderIds).toEqual([spec.family === 't5' ? spec.decoderStartTokenId : -1, ...scoredIds(example).slice(0, -1)])
    })
  })

  it("a run's max_length cuts the start of a long prompt (after BOS) by the same tokens for every choice, with a note", async () => {
    const model = models.write('qwen2')
    const spec = openModel(model.dir).spec
    const long = `copy ${'abc '.repeat(40)}`.trim()
    const file = writeRows('long.jsonl', [QUESTIONS[0], { prompt: long, choices: ['abc', 'cab dde'], answer: 1 }])
    const full = await templateMultipleChoice(file, { modelDir: model.dir, spec, config: null }) // default max_length 512
    // Just room for the first question.
    const maxLength = Math.max(...full.questions[0].choices.map((e) => e.ids.length))
    const config = RunConfig.parse({ model: model.dir, data: { train: file, max_length: maxLength }, adapter: { method: 'ia3' }, device: 'cpu' })
    const cut = await templateMultipleChoice(file, { modelDir: model.dir, spec, config })
    expect(cut.questions[0]).toEqual(full.questions[0])
    const [short, longest] = cut.questions[1].choices
    expect(longest.ids).toHaveLength(maxLength)
    const over = full.questions[1].choices[1].ids.length - maxLength
    expect(over).toBeGreaterThan(0)
    expect(cut.notes).toEqual([`${file}:2: the prompt was cut by its first ${over} tokens to fit max_length ${maxLength} (with its longest choice it has ${maxLength + over})`])
    // The ends are kept: the same choice tokens, after the same end of the prompt.
    expect(longest.ids).toEqual(full.questions[1].choices[1].ids.slice(over))
    expect(short.ids).toEqual(full.questions[1].choices[0].ids.slice(over))
    expect(scoredIds(longest)).toEqual(scoredIds(full.questions[1].choices[1]))
  })

  it('a choice too long for max_length with any prompt, and a bad row, are errors naming the line', async () => {
    const model = models.write('qwen2')
    const spec = openModel(model.dir).spec
    const file = writeRows('too-long.jsonl', [QUESTIONS[0], { prompt: 'q', choices: ['abc', 'abc '.repeat(30)], answer: 0 }])
    const config = RunConfig.parse({ model: model.dir, data: { train: file, max_length: 16 }, adapter: { method: 'ia3' }, device: 'cpu' })
    await expect(templateMultipleChoice(file, { modelDir: model.dir, spec, config })).rejects.toThrow(
      new RegExp(`^${file}:2: choice 1 has \\d+ tokens, too long for max_length 16 with any prompt`),
    )
    const bad = writeRows('bad.jsonl', [QUESTIONS[0], { prompt: 'q', choices: ['a', 'b'], answer: 'c' }])
    const error = await templateMultipleChoice(bad, { modelDir: model.dir, spec, config: null }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EvalDataError)
    expect((error as Error).message).toBe(`${bad}:2: answer "c" is not among the choices ["a","b"]: give one of them exactly, or its 0-based index`)
  })

  it('a run trained on plain text rows saw no template: the prompt and choice run together as plain text', async () => {
    const model = models.write('qwen2')
    const file = writeRows('plain.jsonl', QUESTIONS.slice(0, 1))
    const config = RunConfig.parse({ model: model.dir, data: { train: file, format: 'text' }, adapter: { method: 'ia3' }, device: 'cpu' })
    const { questions, templateName } = await templateMultipleChoice(file, { modelDir: model.dir, spec: openModel(model.dir).spec, config })
    expect(templateName).toBe('plain')
    const bundle = loadTokenizerBundle(model.dir)
    const encode = (text: string) => bundle.tokenizer.encode(text, { add_special_tokens: false }).ids
    questions[0].choices.forEach((example, c) => {
      expect(example.ids).toEqual(encode(`copy abc${QUESTIONS[0].choices[c]}`))
      expect(scoredIds(example)).toEqual(example.ids.slice(encode('copy abc').length))
    })
  })

  it("a run trained on multiple-choice rows reads the file with its data.mapping", async () => {
    const model = models.write('qwen2')
    const spec = openModel(model.dir).spec
    const file = join(models.dir, 'mapped.csv')
    writeFileSync(file, 'q,opts,gold\ncopy abc,"[""abc"",""bca""]",1\n')
    const config = (format: string) => RunConfig.parse({ model: model.dir, data: { train: file, format, mapping: { prompt: 'q', choices: 'opts', answer: 'gold' } }, adapter: { method: 'ia3' }, device: 'cpu' })
    const { questions } = await templateMultipleChoice(file, { modelDir: model.dir, spec, config: config('multiple_choice') })
    expect(questions[0].answer).toBe(1)
    // A run of another format says what to name the columns.
    await expect(templateMultipleChoice(file, { modelDir: model.dir, spec, config: config('prompt_completion') })).rejects.toThrow(
      `${file}: no column for the multiple-choice field "prompt": name the columns prompt, choices and answer (columns in the file: q, opts, gold)`,
    )
  })
})
