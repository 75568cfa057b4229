// The inference tokenizer: tokenizer.json through @huggingface/tokenizers, chat templates through
// @huggingface/jinja, special tokens from tokenizer_config.json.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { ModelTokenizer } from '../../../main/models/tokenizer'
import { TemplateError } from '../../../main/data'

let tmp: ReturnType<typeof makeTempDir>
beforeAll(() => (tmp = makeTempDir()))
afterAll(() => tmp.remove())

describe('ModelTokenizer', () => {
  it('encodes and decodes text, and finds the special tokens', () => {
    const model = writeTinyModel(join(tmp.dir, 'llama'), 'llama')
    const tokenizer = ModelTokenizer.load(model.dir)
    const ids = tokenizer.encode('the cat sat on the mat.', false)
    expect(ids.length).toBeGreaterThan(5)
    expect(ids).toContain(model.tokenizer.ids['▁the'])
    expect(tokenizer.decode(ids)).toBe('the cat sat on the mat.')
    expect(tokenizer.specialTokenId('eos_token')).toBe(model.tokenizer.ids['</s>'])
    expect(tokenizer.specialTokenId('bos_token')).toBe(model.tokenizer.ids['<s>'])
    expect(tokenizer.decode([...ids, model.tokenizer.ids['</s>']])).toBe('the cat sat on the mat.') // specials skipped
  })

  it('renders the model chat template with the generation prompt, and tokenizes its special tokens as one each', () => {
    const model = writeTinyModel(join(tmp.dir, 'qwen'), 'qwen2')
    const tokenizer = ModelTokenizer.load(model.dir)
    expect(tokenizer.hasChatTemplate).toBe(true)
    const text = tokenizer.renderChat([{ role: 'user', content: 'hi there' }], true)
    expect(text).toBe('<|im_start|>user\nhi there<|im_end|>\n<|im_start|>assistant\n')
    expect(tokenizer.renderChat([{ role: 'user', content: 'hi' }], false)).toBe('<|im_start|>user\nhi<|im_end|>\n')
    const ids = tokenizer.promptIds('hi there', true)
    expect(ids[0]).toBe(model.tokenizer.ids['<|im_start|>'])
    expect(ids.filter((id) => id === model.tokenizer.ids['<|im_end|>'])).toHaveLength(1)
    expect(tokenizer.promptIds('hi there', false)).toEqual(tokenizer.encode('hi there', true))
  })

  it('says how to fix a missing chat template', () => {
    const tokenizer = ModelTokenizer.load(writeTinyModel(join(tmp.dir, 'gpt2'), 'gpt2').dir)
    expect(tokenizer.hasChatTemplate).toBe(false)
    expect(() => tokenizer.renderChat([{ role: 'user', content: 'x' }], true)).toThrow(TemplateError)
    expect(() => tokenizer.renderChat([{ role: 'user', content: 'x' }], true)).toThrow(/has no chat template/)
  })
})
