import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Template } from '@huggingface/jinja'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  ChatRenderer,
  chooseTemplate,
  importDataset,
  labelsOf,
  loadTokenizerBundle,
  renderExample,
  TemplateError,
  tokenizeRendered,
  type ChatMessage,
  type TokenizerBundle,
} from '../../../main/data'
import { makeTempDir } from '../../helpers/temp-dir'
import { DROPS_PAST_TURNS_TEMPLATE, LLAMA2_STYLE_TEMPLATE, QWEN_STYLE_TEMPLATE, writeTinyModel } from './model-folder'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-data-render-')))
afterEach(() => temp.remove())

function model(name: string, options: Parameters<typeof writeTinyModel>[1] = {}): TokenizerBundle {
  return loadTokenizerBundle(writeTinyModel(join(temp.dir, name), options))
}

function rendererFor(bundle: TokenizerBundle, choice: 'auto' | 'model' | 'chatml' | 'plain' = 'auto'): ChatRenderer {
  return new ChatRenderer(chooseTemplate(choice, bundle), bundle.specialTokens, bundle.addBosToken)
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Italy?' },
  { role: 'assistant', content: 'Rome.' },
]

/** The texts of consecutive runs of trained (or masked) tokens. */
function runs(bundle: TokenizerBundle, ids: number[], trained: Uint8Array, want: 0 | 1): string[] {
  const out: string[] = []
  let current: number[] = []
  ids.forEach((id, i) => {
    if (trained[i] === want) current.push(id)
    else if (current.length > 0) {
      out.push(bundle.tokenizer.decode(current))
      current = []
    }
  })
  if (current.length > 0) out.push(bundle.tokenizer.decode(current))
  return out
}

describe('rendering through the model chat template', () => {
  it('equals a direct @huggingface/jinja render of tokenizer_config.json chat_template, with its special tokens', () => {
    const bundle = model('llama', { chatTemplate: LLAMA2_STYLE_TEMPLATE })
    const messages = conversation.slice(1)
    const direct = new Template(LLAMA2_STYLE_TEMPLATE).render({ messages, bos_token: '<s>', eos_token: '</s>', add_generation_prompt: false })
    expect(direct).toBe('<s>[INST] What is the capital of France? [/INST] Paris. </s><s>[INST] And of Italy? [/INST] Rome. </s>')
    expect(rendererFor(bundle).render(messages, false)).toBe(direct)
    expect(renderExample(rendererFor(bundle), { kind: 'chat', messages }, false).text).toBe(direct)
  })

  it('add_generation_prompt opens the assistant turn', () => {
    const bundle = model('qwen')
    const messages = conversation.slice(1, 2)
    expect(rendererFor(bundle).render(messages, true)).toBe(
      new Template(QWEN_STYLE_TEMPLATE).render({ messages, add_generation_prompt: true, bos_token: '<s>', eos_token: '</s>' }),
    )
    expect(rendererFor(bundle).render(messages, true).endsWith('<|im_start|>assistant\n')).toBe(true)
  })

  it('the built-in chatml and plain templates, with BOS when the tokenizer adds one', () => {
    const bundle = model('base', { chatTemplate: null, addBosToken: true })
    const pair: ChatMessage[] = [
      { role: 'user', content: 'Q: 2+2?\nA:' },
      { role: 'assistant', content: ' 4' },
    ]
    expect(chooseTemplate('auto', bundle).name).toBe('chatml')
    expect(rendererFor(bundle, 'chatml').render(pair, false)).toBe('<s><|im_start|>user\nQ: 2+2?\nA:<|im_end|>\n<|im_start|>assistant\n 4<|im_end|>\n')
    expect(rendererFor(bundle, 'plain').render(pair, false)).toBe('<s>Q: 2+2?\nA: 4</s>')
    expect(() => chooseTemplate('model', bundle)).toThrow(TemplateError)
  })
})

describe('prompt masking', () => {
  it('trains on every assistant turn with its end-of-turn marker, and on nothing else', () => {
    const bundle = model('qwen')
    const rendered = renderExample(rendererFor(bundle), { kind: 'chat', messages: conversation }, false)
    const tokens = tokenizeRendered(bundle.tokenizer, rendered)
    expect(tokens.boundaryMerges).toEqual([])
    expect(tokens.inputIds).toEqual(bundle.tokenizer.encode(rendered.text, { add_special_tokens: false }).ids)
    expect(runs(bundle, tokens.inputIds, tokens.trained, 1)).toEqual(['Paris.<|im_end|>\n', 'Rome.<|im_end|>\n'])
    expect(runs(bundle, tokens.inputIds, tokens.trained, 0)).toEqual([
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n',
      '<|im_start|>user\nAnd of Italy?<|im_end|>\n<|im_start|>assistant\n',
    ])
    const labels = labelsOf(tokens)
    expect(labels.filter((l) => l !== -100).length).toBe(tokens.trained.reduce((a, b) => a + b, 0))
  })

  it('with a Llama-style template the answer and its EOS are trained', () => {
    const bundle = model('llama', { chatTemplate: LLAMA2_STYLE_TEMPLATE })
    const rendered = renderExample(rendererFor(bundle), { kind: 'chat', messages: conversation.slice(1, 3) }, false)
    const tokens = tokenizeRendered(bundle.tokenizer, rendered)
    expect(runs(bundle, tokens.inputIds, tokens.trained, 1)).toEqual([' Paris. </s>'])
  })

  it('train_on_prompt trains every token', () => {
    const bundle = model('qwen')
    const tokens = tokenizeRendered(bundle.tokenizer, renderExample(rendererFor(bundle), { kind: 'chat', messages: conversation }, true))
    expect(tokens.trained.every((flag) => flag === 1)).toBe(true)
  })

  it('a prompt that runs into its completion (one token across the boundary) is reported, and that token is trained', () => {
    // "foo" + "bar" with a merge of "o"+"b": the full text tokenises f,o,ob,a,r; the prompt alone f,o,o.
    const bundle = model('merge', { chatTemplate: null, forcedMerges: [['o', 'b']] })
    const rendered = renderExample(rendererFor(bundle, 'plain'), { kind: 'chat', messages: [{ role: 'user', content: 'foo' }, { role: 'assistant', content: 'bar' }] }, false)
    expect(rendered.text).toBe('foobar</s>')
    const tokens = tokenizeRendered(bundle.tokenizer, rendered)
    expect(tokens.inputIds.map((id) => bundle.tokenizer.decode([id]))).toEqual(['f', 'o', 'ob', 'a', 'r', '</s>'])
    expect([...tokens.trained]).toEqual([0, 0, 1, 1, 1, 1])
    expect(tokens.boundaryMerges).toEqual([{ charOffset: 3, tokenIndex: 2 }])
  })

  it('the merge shows up as a warning in the import report, naming file and line', async () => {
    const bundle = model('merge', { chatTemplate: null, forcedMerges: [['o', 'b']] })
    const path = join(temp.dir, 'merge.jsonl')
    writeFileSync(path, '{"prompt":"foo","completion":"bar"}\n{"prompt":"Q: ","completion":"A"}\n')
    const report = await importDataset({
      path,
      onError: 'stop',
      template: 'plain',
      trainOnPrompt: false,
      tokenization: { bundle, maxLength: null, cacheDir: temp.dir },
      split: { kind: 'none' },
    })
    expect(report.warnings).toEqual([
      `${path}:1: the prompt and the completion share token 2 at character 3 (the text runs on across the boundary); that token is trained`,
    ])
  })

  it('a template that rewrites earlier turns cannot be masked, and says so', () => {
    const bundle = model('drops', { chatTemplate: DROPS_PAST_TURNS_TEMPLATE })
    expect(() => renderExample(rendererFor(bundle), { kind: 'chat', messages: conversation }, false)).toThrow(
      new TemplateError(
        'the model chat template renders turn 3 (assistant) differently once later turns follow (e.g. it drops past reasoning), ' +
          'so the trained tokens cannot be located; import with train_on_prompt, or choose the built-in chatml template',
      ),
    )
  })

  it('rows the template rejects, or longer than max_length, are bad rows with file:line', async () => {
    const bundle = model('llama', { chatTemplate: LLAMA2_STYLE_TEMPLATE })
    const path = join(temp.dir, 'chat.jsonl')
    const row = (messages: ChatMessage[]) => JSON.stringify({ messages })
    writeFileSync(
      path,
      [
        row(conversation.slice(1, 3)),
        row([{ role: 'assistant', content: 'I speak first' }, { role: 'user', content: 'hm' }, { role: 'assistant', content: 'ok' }]),
        row([{ role: 'user', content: 'long '.repeat(200) }, { role: 'assistant', content: 'ok' }]),
      ].join('\n'),
    )
    const report = await importDataset({
      path,
      onError: 'skip',
      template: 'auto',
      trainOnPrompt: false,
      tokenization: { bundle, maxLength: 64, cacheDir: temp.dir },
      split: { kind: 'none' },
    })
    expect(report.problems.map((p) => [p.line, p.reason.replace(/\d+ tokens/, 'N tokens')])).toEqual([
      [2, 'the model chat template failed: Conversation roles must alternate user/assistant/user/assistant/...'],
      [3, 'longer than max_length: N tokens > 64; shorten the example or raise max_length'],
    ])
    expect(report.counts).toMatchObject({ rows: 3, examples: 1, skipped: 2 })
    expect(report.stats.tokens?.count).toBe(1)
  })
})
