import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Template } from '@huggingface/jinja'
import { Tokenizer } from '@huggingface/tokenizers'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readSafetensorsHeader } from '../../../main/runtime/safetensors'
import { makeTempDir } from '../../helpers/temp-dir'
import { TINY_ARCHS, writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
beforeEach(() => (tmp = makeTempDir()))
afterEach(() => tmp.remove())

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf-8'))

describe('tiny models', () => {
  it('are deterministic from the seed', () => {
    const a = readFileSync(writeTinyModel(join(tmp.dir, 'a'), 'qwen3', { seed: 7 }).weightFiles[0])
    const b = readFileSync(writeTinyModel(join(tmp.dir, 'b'), 'qwen3', { seed: 7 }).weightFiles[0])
    const c = readFileSync(writeTinyModel(join(tmp.dir, 'c'), 'qwen3', { seed: 8 }).weightFiles[0])
    expect(a.equals(b)).toBe(true)
    expect(a.equals(c)).toBe(false)
  })

  it.each(TINY_ARCHS)('%s: a tokenizer @huggingface/tokenizers loads, encoding and decoding text', (arch) => {
    const model = writeTinyModel(tmp.dir, arch)
    const tokenizer = new Tokenizer(readJson(join(model.dir, 'tokenizer.json')), readJson(join(model.dir, 'tokenizer_config.json')))
    const text = 'the cat sat on the mat.'
    const { ids } = tokenizer.encode(text)
    expect(ids.length).toBeGreaterThan(5)
    expect(ids.length).toBeLessThan(text.length) // merges applied
    expect(Math.max(...ids)).toBeLessThan(model.config.vocab_size as number)
    expect(tokenizer.decode(ids)).toBe(text)
    const generation = readJson(join(model.dir, 'generation_config.json'))
    expect(generation.eos_token_id).toEqual(model.config.eos_token_id)
  })

  it('qwen2 ships a ChatML chat template whose markers are special tokens', () => {
    const model = writeTinyModel(tmp.dir, 'qwen2')
    const config = readJson(join(model.dir, 'tokenizer_config.json'))
    const prompt = new Template(config.chat_template).render({ messages: [{ role: 'user', content: 'in the' }], add_generation_prompt: true })
    expect(prompt).toBe('<|im_start|>user\nin the<|im_end|>\n<|im_start|>assistant\n')
    const tokenizer = new Tokenizer(readJson(join(model.dir, 'tokenizer.json')), config)
    const ids = tokenizer.encode(prompt).ids
    expect(ids[0]).toBe(tokenizer.token_to_id('<|im_start|>'))
    expect(ids).toContain(tokenizer.token_to_id('<|im_end|>'))
  })

  it('smollm3 (not yet in TINY_ARCHS) ships a loadable tokenizer with a ChatML template, and <|im_end|> among its eos ids', () => {
    const model = writeTinyModel(tmp.dir, 'smollm3')
    const config = readJson(join(model.dir, 'tokenizer_config.json'))
    const tokenizer = new Tokenizer(readJson(join(model.dir, 'tokenizer.json')), config)
    expect(tokenizer.decode(tokenizer.encode('the cat sat on the mat.').ids)).toBe('the cat sat on the mat.')
    const prompt = new Template(config.chat_template).render({ messages: [{ role: 'user', content: 'in the' }], add_generation_prompt: true })
    expect(tokenizer.encode(prompt).ids[0]).toBe(tokenizer.token_to_id('<|im_start|>'))
    expect(readJson(join(model.dir, 'generation_config.json')).eos_token_id).toEqual([2, tokenizer.token_to_id('<|im_end|>')])
  })

  it("gemma3_text has Gemma's special ids (pad 0, eos 1, bos 2) in its tokenizer, config and generation config", () => {
    const model = writeTinyModel(tmp.dir, 'gemma3_text')
    const tokenizer = new Tokenizer(readJson(join(model.dir, 'tokenizer.json')), readJson(join(model.dir, 'tokenizer_config.json')))
    expect(['<pad>', '<eos>', '<bos>'].map((t) => tokenizer.token_to_id(t))).toEqual([0, 1, 2])
    expect(readJson(join(model.dir, 'generation_config.json'))).toMatchObject({ pad_token_id: 0, eos_token_id: 1, bos_token_id: 2 })
    expect(tokenizer.decode(tokenizer.encode('the cat sat on the mat.').ids)).toBe('the cat sat on the mat.')
  })

  it('saves float16 / bfloat16 and shards with an index that lists every tensor', () => {
    const model = writeTinyModel(tmp.dir, 'gpt2', { dtype: 'bfloat16', shards: 2 })
    const index = readJson(join(model.dir, 'model.safetensors.index.json'))
    expect(Object.keys(index.weight_map).sort()).toEqual(model.tensors.map((t) => t.name).sort())
    const headers = model.weightFiles.map(readSafetensorsHeader)
    expect(headers.flatMap((h) => [...h.tensors.values()].map((e) => e.dtype))).toEqual(model.tensors.map(() => 'BF16'))
    expect(index.metadata.total_size).toBe(model.tensors.reduce((n, t) => n + 2 * t.values.length, 0))
    expect(readSafetensorsHeader(writeTinyModel(join(tmp.dir, 'h'), 'llama', { dtype: 'float16' }).weightFiles[0]).tensors.get('lm_head.weight')?.dtype).toBe('F16')
  })
})
