// runPrompts renders a prompt as a run's training showed prompts to its model: the ids are exactly
// those before the first trained token of the same row imported as training imports it
// (tokenizeRunFile), through the model's template, ChatML for a model without one, T5's encoder
// input, and BOS + text for a run trained on text rows; and it names the template's end of turn.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract/run-config'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { seq2seqParts } from '../../../main/train/batches'
import { readRunTokens, tokenizeRunFile } from '../../../main/train/run-data'
import { runPromptIds, runPrompts } from '../../../main/train/run-prompts'
import { useTinyModels } from '../../helpers/tiny-model-dir'
import type { TinyArch } from '../../helpers/tiny-models'
import { LLAMA2_STYLE_TEMPLATE } from '../data/model-folder'

const models = useTinyModels('ms-run-prompts-')
let files = 0

const PROMPTS = ['copy abc', 'copy bad cab', 'say dde']

function configOf(model: string, format: RunConfig['data']['format'] = 'auto'): RunConfig {
  return RunConfig.parse({ model, data: { train: 'unused.jsonl', format }, adapter: { method: 'lora', rank: 2 } })
}

/** The rows imported as the run's training imports them: each example's ids and where its trained tokens start. */
async function asTraining(config: RunConfig, modelDir: string, rows: unknown[]) {
  const file = join(models.dir, `rows-${files}.jsonl`)
  const target = join(models.dir, `cache-${files++}`, 'train.tokens')
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  await tokenizeRunFile(config, modelDir, file, target)
  return (await readRunTokens(target)).examples
}

describe('runPrompts', () => {
  it.each([
    ['qwen2', 'model'],
    ['llama', 'chatml'],
  ] as [TinyArch, string][])('%s: a prompt is the user turn through the %s template with the assistant header, the ids training saw before the answer', async (arch, templateName) => {
    const model = models.write(arch)
    const config = configOf(model.dir)
    const prompts = runPrompts(config, model.dir)
    expect(prompts.templateName).toBe(templateName)
    const examples = await asTraining(config, model.dir, PROMPTS.map((prompt) => ({ prompt, completion: ' abc' })))
    const tokenizer = ModelTokenizer.load(model.dir)
    PROMPTS.forEach((prompt, i) => {
      const firstTrained = examples[i].trained.indexOf(1)
      expect(prompts.promptIds(prompt)).toEqual(Array.from(examples[i].inputIds.subarray(0, firstTrained)))
      // The user turn, then the assistant header (the tiny tokenizers decode markers loosely: an unknown "|", a space after a special).
      const text = tokenizer.decode(prompts.promptIds(prompt), false)
      expect(text).toContain(`user\n${prompt}`)
      expect(text.endsWith('assistant\n')).toBe(true)
      expect(runPromptIds(config, model.dir, prompt)).toEqual(prompts.promptIds(prompt))
      // Not the raw prompt, which a run's adapter never saw.
      expect(prompts.promptIds(prompt)).not.toEqual(tokenizer.encode(prompt, true))
    })
  })

  it('the end of turn: one token where the vocabulary has it (the answer stops there), else only its text', () => {
    const withTemplate = models.write('qwen2') // <|im_end|> is an added token
    const without = models.write('llama') // ChatML built in, but <|im_end|> is several tokens
    const tokenizer = ModelTokenizer.load(withTemplate.dir)
    expect(runPrompts(configOf(withTemplate.dir), withTemplate.dir).endOfTurn).toEqual({ text: '<|im_end|>', tokens: [tokenizer.tokenizer.token_to_id('<|im_end|>')] })
    expect(runPrompts(configOf(without.dir), without.dir).endOfTurn).toEqual({ text: '<|im_end|>', tokens: [] })
    // Llama 2 style: "[INST] q [/INST]", then " answer </s>": the separating space is not the end of turn, EOS is.
    const llama2 = models.write('llama')
    const configFile = join(llama2.dir, 'tokenizer_config.json')
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf-8')), chat_template: LLAMA2_STYLE_TEMPLATE }))
    expect(runPrompts(configOf(llama2.dir), llama2.dir).endOfTurn).toEqual({ text: '</s>', tokens: [2] })
  })

  it('t5: the prompt is the encoder input training gave the example', async () => {
    const model = models.write('t5')
    const config = configOf(model.dir)
    const examples = await asTraining(config, model.dir, PROMPTS.map((prompt) => ({ prompt, completion: ' abc' })))
    const prompts = runPrompts(config, model.dir)
    PROMPTS.forEach((prompt, i) => expect(prompts.promptIds(prompt)).toEqual(seq2seqParts(examples[i]).encoder))
  })

  it('a run trained on text rows: the prompt is the start of such a text (BOS, then the prompt), with no chat markers', async () => {
    const model = models.write('llama')
    const config = configOf(model.dir, 'text')
    const prompts = runPrompts(config, model.dir)
    expect(prompts.templateName).toBe('plain')
    const examples = await asTraining(config, model.dir, PROMPTS.map((prompt) => ({ text: `${prompt} abc` })))
    PROMPTS.forEach((prompt, i) => {
      const ids = prompts.promptIds(prompt)
      expect(Array.from(examples[i].inputIds.subarray(0, ids.length))).toEqual(ids)
      expect(ModelTokenizer.load(model.dir).decode(ids, false)).toBe(`${ids[0] === 1 ? '<s>' : ''}${prompt}`)
    })
    expect(prompts.endOfTurn).toEqual({ text: '</s>', tokens: [2] })
  })
})
